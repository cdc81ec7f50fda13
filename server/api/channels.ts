// tRPC router: channel settings (secrets masked), test connection, preview and test send of emails.
import { z } from 'zod';
import { audit } from '../accounts/accounts';
import { loadChannelSettings } from '../channels/channel-context';
import { maskSettings, saveChannelSettings, testSmtpConnection } from '../channels/channel-settings-store';
import { htmlToText, sendEmail } from '../channels/email-sender';
import { loadServerSecret } from '../channels/signing';
import { renderTemplate, TemplateError } from '../channels/templates';
import { InvalidInputError } from '../errors';
import { adminProcedure, editorProcedure, router } from './trpc';

const emailContent = z.object({
  subject: z.string().max(300),
  html: z.string().max(200_000),
  text: z.string().max(100_000).optional(),
  /** A profile to render for; else `sample` traits. */
  profileId: z.string().uuid().optional(),
  sample: z.record(z.string(), z.unknown()).default({}),
  event: z.record(z.string(), z.unknown()).default({}),
});

export const channelsRouter = router({
  settings: adminProcedure.query(async ({ ctx }) => maskSettings(await loadChannelSettings(ctx.services.db, ctx.workspaceId))),
  save: adminProcedure.input(z.object({ settings: z.unknown() })).mutation(async ({ ctx, input }) => {
    const saved = await saveChannelSettings(ctx.services.db, ctx.workspaceId, input.settings);
    await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'settings.channels', {});
    return saved;
  }),
  testSmtp: adminProcedure.mutation(async ({ ctx }) => {
    const settings = await loadChannelSettings(ctx.services.db, ctx.workspaceId);
    return testSmtpConnection(settings.email.smtpUrl ?? ctx.services.delivery?.smtpUrl);
  }),
  preview: editorProcedure.input(emailContent).query(async ({ ctx, input }) => {
    let traits: Record<string, unknown> = input.sample;
    if (input.profileId) {
      const profile = await ctx.services.db.selectFrom('profiles').select(['traits', 'user_id']).where('workspace_id', '=', ctx.workspaceId).where('id', '=', input.profileId).executeTakeFirst();
      traits = { ...(profile?.traits as Record<string, unknown> ?? {}), userId: profile?.user_id ?? null };
    }
    const data = { profile: traits, event: input.event, vars: {} };
    try {
      const html = await renderTemplate(input.html, data);
      return { ok: true as const, subject: await renderTemplate(input.subject, data), html, text: input.text ? await renderTemplate(input.text, data) : htmlToText(html) };
    } catch (error) {
      if (error instanceof TemplateError) return { ok: false as const, error: error.message };
      throw error;
    }
  }),
  sendTestEmail: editorProcedure.input(emailContent.extend({ to: z.string().email('a test email needs a valid address') })).mutation(async ({ ctx, input }) => {
    const settings = await loadChannelSettings(ctx.services.db, ctx.workspaceId);
    const data = { profile: input.sample, event: input.event, vars: {} };
    try {
      const subject = `[Test] ${await renderTemplate(input.subject, data)}`;
      const html = await renderTemplate(input.html, data);
      const secret = await loadServerSecret(ctx.services.db, ctx.services.secret);
      const key = `test:${Date.now()}:${Math.random().toString(36).slice(2)}`;
      await sendEmail(settings.email.smtpUrl ?? ctx.services.delivery?.smtpUrl, { messageId: key, idempotencyKey: key, from: settings.email.from ?? ctx.services.delivery?.from ?? 'Waymark <no-reply@localhost>', to: input.to, subject, html, marketing: false }, ctx.services.delivery?.publicUrl ?? '', secret, () => {});
      return { sent: true };
    } catch (error) {
      if (error instanceof TemplateError) throw new InvalidInputError('html', error.message);
      throw new InvalidInputError('to', `the test email could not be sent: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }),
});
