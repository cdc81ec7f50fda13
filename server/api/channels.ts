// tRPC router: channel settings (secrets masked), test connection, preview and test sends of every touchpoint.
import { sql } from 'kysely';
import { z } from 'zod';
import { audit } from '../accounts/accounts';
import { loadChannelSettings } from '../channels/channel-context';
import { maskSettings, saveChannelSettings, testSmtpConnection } from '../channels/channel-settings-store';
import { renderEmail, sendEmail, smtpTarget } from '../channels/email-sender';
import { loadServerSecret } from '../channels/signing';
import { TemplateError } from '../channels/templates';
import { InvalidInputError } from '../errors';
import { sendTestMessage, traitsFor } from '../channels/test-send';
import { emptyVariables } from '../journeys/template-variables';
import { adminProcedure, editorProcedure, router } from './trpc';

const emailContent = z.object({
  subject: z.string().max(300),
  html: z.string().max(200_000),
  text: z.string().max(100_000).optional(),
  /** A profile to render for (id; or `profile`: user id or email); else `sample` traits. */
  profileId: z.string().uuid().optional(),
  profile: z.string().max(300).optional(),
  sample: z.record(z.string(), z.unknown()).default({}),
  event: z.record(z.string(), z.unknown()).default({}),
});

export interface ProviderState {
  /** "email", "sms", "push", or "webhook:host". */
  provider: string;
  state: 'up' | 'paused';
  pausedSince?: Date;
  nextProbeAt?: Date;
  lastError?: string;
  /** Messages waiting in the outbox for this channel (due or not). */
  queued: number;
  oldestQueuedAt?: Date;
}

export const channelsRouter = router({
  /** Each provider's state (up, or paused since … with the last error) and the channel's backlog. */
  providers: editorProcedure.query(async ({ ctx }): Promise<ProviderState[]> => {
    const [paused, backlog] = await Promise.all([
      ctx.services.db
        .selectFrom('delivery_providers')
        .selectAll()
        .where('workspace_id', '=', ctx.workspaceId)
        .orderBy('provider')
        .execute(),
      ctx.services.db
        .selectFrom('messages')
        .select(['channel', sql<number>`count(*)::int`.as('n'), sql<Date>`min(created_at)`.as('oldest')])
        .where('workspace_id', '=', ctx.workspaceId)
        .where('status', '=', 'queued')
        .groupBy('channel')
        .execute(),
    ]);
    const queued = new Map(backlog.map((row) => [row.channel, row]));
    const backlogOf = (channel: 'email' | 'sms' | 'push' | 'webhook') => ({
      queued: queued.get(channel)?.n ?? 0,
      oldestQueuedAt: queued.get(channel)?.oldest,
    });
    const stateOf = (row: (typeof paused)[number]) => ({
      state: 'paused' as const,
      pausedSince: row.paused_since,
      nextProbeAt: row.next_probe_at,
      lastError: row.last_error ?? undefined,
    });
    // Webhooks are paused per host: each paused host stands in for the channel's line.
    const pausedHosts = paused.filter((row) => row.provider.startsWith('webhook:'));
    const states: ProviderState[] = (['email', 'sms', 'push', 'webhook'] as const)
      .filter((channel) => channel !== 'webhook' || pausedHosts.length === 0)
      .map((channel) => {
        const row = paused.find((entry) => entry.provider === channel);
        return {
          provider: channel,
          ...(row ? stateOf(row) : { state: 'up' as const }),
          ...backlogOf(channel),
        };
      });
    for (const row of pausedHosts)
      states.push({ provider: row.provider, ...stateOf(row), ...backlogOf('webhook') });
    return states;
  }),
  settings: adminProcedure.query(async ({ ctx }) =>
    maskSettings(await loadChannelSettings(ctx.services.db, ctx.workspaceId)),
  ),
  save: adminProcedure.input(z.object({ settings: z.unknown() })).mutation(async ({ ctx, input }) => {
    const saved = await saveChannelSettings(ctx.services.db, ctx.workspaceId, input.settings);
    await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'settings.channels', {});
    return saved;
  }),
  /**
   * The SMTP server the operator set for every workspace (SMTP_URL), used while the workspace sets
   * none: scheme, host and port only — its user and password stay on the server.
   */
  environment: adminProcedure.query(({ ctx }) => {
    const url = ctx.services.delivery?.smtpUrl;
    if (!url) return { smtp: null };
    try {
      const parsed = new URL(url);
      return { smtp: `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}` };
    } catch {
      return { smtp: 'SMTP_URL' };
    }
  }),
  testSmtp: adminProcedure.mutation(async ({ ctx }) => {
    const settings = await loadChannelSettings(ctx.services.db, ctx.workspaceId);
    return testSmtpConnection(
      smtpTarget(
        settings.email.smtpUrl,
        ctx.services.delivery?.smtpUrl,
        ctx.services.delivery?.allowPrivateHosts,
      ),
    );
  }),
  preview: editorProcedure.input(emailContent).query(async ({ ctx, input }) => {
    const traits = await traitsFor(ctx.services.db, ctx.workspaceId, input);
    const data = { profile: traits, event: input.event, vars: {} };
    try {
      return {
        ok: true as const,
        ...(await renderEmail(input, data)),
        empty: emptyVariables([input.subject, input.html, input.text], data),
      };
    } catch (error) {
      if (error instanceof TemplateError) return { ok: false as const, error: error.message };
      throw error;
    }
  }),
  sendTestEmail: editorProcedure
    .input(emailContent.extend({ to: z.string().email('a test email needs a valid address') }))
    .mutation(async ({ ctx, input }) => {
      const settings = await loadChannelSettings(ctx.services.db, ctx.workspaceId);
      const data = {
        profile: await traitsFor(ctx.services.db, ctx.workspaceId, input),
        event: input.event,
        vars: {},
      };
      try {
        const email = await renderEmail(input, data);
        const secret = await loadServerSecret(ctx.services.db, ctx.services.secret);
        const key = `test:${Date.now()}:${Math.random().toString(36).slice(2)}`;
        await sendEmail(
          smtpTarget(
            settings.email.smtpUrl,
            ctx.services.delivery?.smtpUrl,
            ctx.services.delivery?.allowPrivateHosts,
          ),
          {
            messageId: key,
            idempotencyKey: key,
            from: settings.email.from ?? ctx.services.delivery?.from ?? 'Waymark <no-reply@localhost>',
            to: input.to,
            ...email,
            subject: `[Test] ${email.subject}`,
            marketing: false,
          },
          ctx.services.delivery?.publicUrl ?? '',
          secret,
          () => {},
        );
        return { sent: true };
      } catch (error) {
        if (error instanceof TemplateError) throw new InvalidInputError('html', error.message);
        throw new InvalidInputError(
          'to',
          `the test email could not be sent: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
    }),
  /** Send test for SMS, push and webhook touchpoints: rendered for a profile or sample, sent once via the real provider. */
  sendTest: editorProcedure
    .input(
      z.object({
        channel: z.enum(['sms', 'push', 'webhook']),
        content: z.record(z.string(), z.unknown()),
        profileId: z.string().uuid().optional(),
        profile: z.string().max(300).optional(),
        sample: z.record(z.string(), z.unknown()).default({}),
        event: z.record(z.string(), z.unknown()).default({}),
        to: z.string().trim().max(300).default(''),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.channel !== 'webhook' && !input.to)
        throw new InvalidInputError(
          'to',
          input.channel === 'sms'
            ? 'type a phone number to send the test to'
            : 'type a device or user id to send the test to',
        );
      const settings = await loadChannelSettings(ctx.services.db, ctx.workspaceId);
      const data = {
        profile: await traitsFor(ctx.services.db, ctx.workspaceId, input),
        event: input.event,
        vars: {},
      };
      return sendTestMessage(
        settings,
        ctx.services.delivery?.allowPrivateHosts,
        input.channel,
        input.content,
        data,
        input.to,
        (line) => console.log(line),
      );
    }),
});
