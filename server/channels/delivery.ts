// The delivery worker: claims due outbox messages, applies consent, frequency caps and quiet
// hours, renders them and hands them to the channel's provider with the idempotency key.
// A message is claimed (status "sending") in its own commit before it is sent; a claim left by a
// worker that died is picked up again after a while, and the provider dedupes on the key.
import { sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { ChannelSettings } from '../../shared/channel-settings';
import { inQuietHours, nextTimeOfDay, profileTimeZone } from '../../shared/time';
import { anyOf, type Database } from '../db/database';
import type { MessageStatus, RunContext } from '../db/schema';
import { loadChannelSettings, type DeliveryEnvironment } from './channel-context';
import { renderEmail, sendEmail, smtpTarget } from './email-sender';
import { RetryableError } from './http-sender';
import { sendThroughProvider, sendWebhook } from './providers';
import { BlockedTargetError } from './network-guard';
import { trackProfileEvents, type ProfileEvent } from './profile-events';
import { templateRenderer, TemplateError, type TemplateData } from './templates';

/** A claim older than this is taken to belong to a worker that died (WAYMARK_DELIVERY_CLAIM_SECONDS). */
const defaultClaimTimeoutSeconds = 120;
const maxAttempts = 5;

type Claimed = {
  id: string; workspace_id: string; run_id: string | null; profile_id: string | null; journey_id: string | null; node_id: string | null;
  channel: 'email' | 'sms' | 'push' | 'webhook'; recipient: string | null; content: Record<string, unknown>; idempotency_key: string; attempts: number;
  /** From a test run: goes to the workspace's test address, past consent, caps and quiet hours. */
  is_test: boolean;
};

type Outcome =
  | { status: 'sent'; providerId: string }
  | { status: 'suppressed'; reason: string }
  | { status: 'delayed'; until: Date; reason: string }
  | { status: 'retry'; until: Date; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'bounced'; reason: string };

export interface DeliveryServices { db: Database; boss: PgBoss }

/**
 * How the claim is planned. The ordered index scan reads as many rows as it claims; but while the
 * outbox's statistics still describe it as small (a new install's first campaign fills it within
 * seconds, autovacuum analyzes it a minute later) the planner prefers to collect every due message
 * and sort them: 60-80 ms a claim at 20,000 queued. Sorting is what the index is there to avoid.
 */
export const claimPlanSetting = 'SET LOCAL enable_sort = off';

/** The statement that claims up to `limit` due messages (exported for the test of its plan). */
export function claimStatement(limit: number, claimTimeoutSeconds: number) {
  return sql<Claimed & { due: Date; created_at: Date }>`
    WITH queued AS (
      -- due queued messages, in claim order straight from their index (messages_queued_due)
      SELECT id, coalesce(send_after, created_at) AS due, created_at, idempotency_key FROM messages
      WHERE status = 'queued' AND coalesce(send_after, created_at) <= now()
      ORDER BY coalesce(send_after, created_at), created_at, idempotency_key LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ), stale AS (
      -- claims of a worker that died (messages_sending_claimed)
      SELECT id, coalesce(send_after, created_at) AS due, created_at, idempotency_key FROM messages
      WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => ${claimTimeoutSeconds})
      ORDER BY claimed_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
    )
    UPDATE messages SET status = 'sending', claimed_at = now(), attempts = attempts + 1
    WHERE id IN (SELECT id FROM (SELECT id, due, created_at, idempotency_key FROM queued UNION ALL SELECT id, due, created_at, idempotency_key FROM stale) due ORDER BY due, created_at, idempotency_key LIMIT ${limit})
    RETURNING id, workspace_id, run_id, profile_id, journey_id, node_id, channel, recipient, content, idempotency_key, attempts, is_test,
      coalesce(send_after, created_at) AS due, created_at`;
}

async function claimDue(db: Database, limit: number, claimTimeoutSeconds: number): Promise<Claimed[]> {
  const result = await db.transaction().execute(async (trx) => {
    await sql.raw(claimPlanSetting).execute(trx);
    return claimStatement(limit, claimTimeoutSeconds).execute(trx);
  });
  // RETURNING does not keep the subquery's order: sort, so a journey's messages go out in step order.
  const key = (row: Claimed & { due: Date; created_at: Date }) => [row.due.getTime(), row.created_at.getTime(), row.idempotency_key] as const;
  return result.rows.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2].localeCompare(kb[2]);
  });
}

type ProfileRow = { id: string; user_id: string | null; traits: unknown };

async function decide(services: DeliveryServices, environment: DeliveryEnvironment, message: Claimed, settings: ChannelSettings, now: Date, log: (line: string) => void,
  profile: ProfileRow | undefined, runContext: RunContext | undefined): Promise<Outcome> {
  const traits = (profile?.traits ?? {}) as Record<string, unknown>;
  const marketing = message.content.marketing !== false && !message.is_test;
  if (message.is_test) {
    const testTo = message.channel === 'email' ? settings.test.email : message.channel === 'sms' ? settings.test.phone : message.channel === 'push' ? settings.test.device : message.recipient;
    if (message.channel !== 'webhook' && !testTo) return { status: 'failed', reason: `test run: no test ${message.channel === 'email' ? 'email address' : message.channel === 'sms' ? 'phone number' : 'device'} is set in the channel settings` };
    message = { ...message, recipient: testTo ?? null, content: { ...message.content, ...(message.channel === 'email' ? { subject: `[Test] ${String(message.content.subject ?? '')}` } : {}), ...(message.channel === 'webhook' ? { headers: { ...(message.content.headers as Record<string, string> ?? {}), 'x-waymark-test': '1' } } : {}) } };
  } else {
    const consent = (traits.consent ?? {}) as Record<string, unknown>;
    if (message.channel !== 'webhook' && marketing && (traits.unsubscribed === true || consent[message.channel] === false)) {
      return { status: 'suppressed', reason: `the customer opted out of ${message.channel}` };
    }
    if (message.channel === 'email' && traits.emailBounced === true) return { status: 'suppressed', reason: 'the address bounced before' };
    const cap = message.channel === 'webhook' ? undefined : settings.caps[message.channel];
    if (cap && message.profile_id) {
      const sent = await services.db.selectFrom('messages').select(sql<number>`count(*)`.as('n'))
        .where('profile_id', '=', message.profile_id).where('channel', '=', message.channel).where('id', '<>', message.id)
        .where('status', 'in', ['sent', 'delivered', 'opened', 'clicked']).where('sent_at', '>', new Date(now.getTime() - cap.days * 86_400_000)).executeTakeFirstOrThrow();
      if (Number(sent.n) >= cap.max) return { status: 'suppressed', reason: `frequency cap: ${cap.max} ${message.channel} in ${cap.days} days` };
    }
    if (settings.quietHours && message.channel !== 'webhook') {
      const zone = profileTimeZone(traits);
      if (inQuietHours(now, zone, settings.quietHours)) {
        return { status: 'delayed', until: nextTimeOfDay(now, settings.quietHours.end, zone), reason: `quiet hours in ${zone}` };
      }
    }
  }
  if (!message.recipient) return { status: 'failed', reason: `no ${message.channel === 'email' ? 'email address' : message.channel === 'sms' ? 'phone number' : 'recipient'} on the profile` };

  const context = runContext ?? { event: null, variables: {} };
  const data: TemplateData = { profile: { ...traits, userId: profile?.user_id ?? null }, event: context.event?.properties ?? {}, vars: context.variables ?? {} };
  const render = templateRenderer(data);

  try {
    if (message.channel === 'email') {
      const providerId = await sendEmail(smtpTarget(settings.email.smtpUrl, environment.defaultSmtpUrl, environment.allowPrivateHosts), {
        messageId: message.id, idempotencyKey: message.idempotency_key, from: settings.email.from ?? environment.defaultFrom, to: message.recipient,
        ...await renderEmail(message.content, data), marketing,
      }, environment.publicUrl, environment.secret, log);
      return { status: 'sent', providerId };
    }
    if (message.channel === 'webhook') {
      const outcome = await sendWebhook(settings, message.content, render, message.idempotency_key);
      if (outcome.status >= 500 || outcome.status === 429) throw new RetryableError(`the target answered ${outcome.status}`);
      if (outcome.status >= 400) return { status: 'failed', reason: `the target answered ${outcome.status}` };
      await applyResponseTraits(services, message.profile_id, outcome.body);
      return { status: 'sent', providerId: `http ${outcome.status}` };
    }
    const outcome = await sendThroughProvider(settings, message.channel, { to: message.recipient, body: await render(message.content.body), title: await render(message.content.title) }, data, message.idempotency_key, log);
    if (outcome === 'logged') return { status: 'sent', providerId: `log:${message.idempotency_key}` };
    if (outcome.status >= 500 || outcome.status === 429) throw new RetryableError(`the provider answered ${outcome.status}`);
    if (outcome.status >= 400) return { status: 'failed', reason: `the provider answered ${outcome.status}` };
    return { status: 'sent', providerId: `http ${outcome.status}` };
  } catch (error) {
    if (error instanceof TemplateError || error instanceof BlockedTargetError) return { status: 'failed', reason: error.message };
    // A permanent SMTP rejection of the recipient (5xx) is a hard bounce: not retried.
    const smtpCode = (error as { responseCode?: number }).responseCode;
    if (message.channel === 'email' && smtpCode && smtpCode >= 500) return { status: 'bounced', reason: `the mail server refused the address (${smtpCode})` };
    const reason = (error as Error).message;
    if (message.attempts >= maxAttempts) return { status: 'failed', reason: `gave up after ${message.attempts} attempts: ${reason}` };
    return { status: 'retry', until: new Date(now.getTime() + Math.min(2 ** message.attempts, 300) * 1000), reason };
  }
}

/** A webhook's JSON answer may set traits: { "traits": { "crmId": "…" } }. */
async function applyResponseTraits(services: DeliveryServices, profileId: string | null, body: string): Promise<void> {
  if (!profileId) return;
  try {
    const parsed = JSON.parse(body) as { traits?: unknown };
    if (parsed.traits && typeof parsed.traits === 'object' && !Array.isArray(parsed.traits)) {
      await services.db.updateTable('profiles').set({ traits: sql`traits || ${JSON.stringify(parsed.traits)}::jsonb` }).where('id', '=', profileId).execute();
    }
  } catch { /* not JSON: nothing to apply */ }
}

const eventNames: Partial<Record<string, string>> = { email: 'Email Delivered', sms: 'SMS Delivered', push: 'Push Delivered', webhook: 'Webhook Delivered' };

/** Delivers up to `limit` due messages. Returns how many were claimed. */
export async function deliverDueMessages(services: DeliveryServices, environment: DeliveryEnvironment, limit = 20, log: (line: string) => void = () => {}): Promise<number> {
  const claimed = await claimDue(services.db, limit, environment.claimTimeoutSeconds ?? defaultClaimTimeoutSeconds);
  const settingsCache = new Map<string, ChannelSettings>();
  const outcomes: ProfileEvent[] = [];
  // The claimed messages' profiles and runs, read once for all of them.
  const profileIds = [...new Set(claimed.map((message) => message.profile_id).filter((id): id is string => Boolean(id)))];
  const runIds = [...new Set(claimed.map((message) => message.run_id).filter((id): id is string => Boolean(id)))];
  const profiles = new Map<string, ProfileRow>(profileIds.length === 0 ? [] : (await services.db.selectFrom('profiles').select(['id', 'user_id', 'traits']).where('id', '=', anyOf(profileIds)).execute()).map((row) => [row.id, row]));
  const contexts = new Map<string, RunContext>(runIds.length === 0 ? [] : (await services.db.selectFrom('runs').select(['id', 'context']).where('id', '=', anyOf(runIds)).execute()).map((row) => [row.id, row.context as RunContext]));
  for (const message of claimed) {
    const now = new Date();
    let settings = settingsCache.get(message.workspace_id);
    if (!settings) settingsCache.set(message.workspace_id, settings = await loadChannelSettings(services.db, message.workspace_id));
    const profile = message.profile_id ? profiles.get(message.profile_id) : undefined;
    const outcome = await decide(services, environment, message, settings, now, log, profile, message.run_id ? contexts.get(message.run_id) : undefined);
    const update: { status: MessageStatus; error: string | null; provider_id?: string; sent_at?: Date; send_after?: Date | null } =
      outcome.status === 'sent' ? { status: 'sent', error: null, provider_id: outcome.providerId, sent_at: now }
      : outcome.status === 'delayed' || outcome.status === 'retry' ? { status: 'queued', error: outcome.reason, send_after: outcome.until }
      : { status: outcome.status, error: outcome.reason };
    // (bounced: kept as the message's status; the address is not mailed again)
    await services.db.updateTable('messages').set(update).where('id', '=', message.id).where('status', '=', 'sending').execute();
    if (outcome.status === 'bounced' && message.profile_id) {
      await services.db.updateTable('profiles').set({ traits: sql`traits || '{"emailBounced": true}'::jsonb` }).where('id', '=', message.profile_id).execute();
      if (profile) profile.traits = { ...(profile.traits as Record<string, unknown>), emailBounced: true };
    }
    if (outcome.status === 'delayed') await services.db.updateTable('messages').set({ attempts: sql`attempts - 1` }).where('id', '=', message.id).execute();
    if (message.profile_id && outcome.status !== 'delayed' && outcome.status !== 'retry') {
      const name = outcome.status === 'sent' ? eventNames[message.channel]! : outcome.status === 'suppressed' ? 'Message Suppressed' : outcome.status === 'bounced' ? 'Email Bounced' : 'Message Failed';
      outcomes.push({ profileId: message.profile_id, name, properties: { channel: message.channel, messageId: message.id, journeyId: message.journey_id, nodeId: message.node_id, ...(outcome.status !== 'sent' ? { reason: outcome.reason } : {}) }, messageId: `message:${message.id}:${outcome.status}` });
    }
  }
  await trackProfileEvents(services, outcomes).catch((error) => log(`[delivery] could not record message outcomes: ${(error as Error).message}`));
  return claimed.length;
}
