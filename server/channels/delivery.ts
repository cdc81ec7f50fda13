// The delivery worker: claims due outbox messages, applies consent, frequency caps and quiet
// hours, renders them and hands them to the channel's provider with the idempotency key.
//
// Never twice, by design rather than by timing:
// - A claim gives the claimer a fencing token and a lease, which it renews while it works. Every
//   write it makes afterwards checks the token, and only a lease that ran out may be claimed
//   again, so a message is in the hands of one worker at a time.
// - Right before the provider call the claimer records `handed_at` (checking token and lease, in
//   a commit of its own), and the outcome after it. A message left handed by a claimer that died
//   has an unknown outcome: it is resent with the same idempotency key where the provider honours
//   one (webhooks, the HTTP SMS and push adapters); an email is marked `uncertain` and not resent
//   (SMTP servers do not deduplicate), unless the workspace chose to resend.
// A provider that is down (refused, timed out, "try later") is paused for the workspace and probed
// again; its messages wait, queued, up to the outbox's maximum age and then expire.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { ChannelSettings } from '../../shared/channel-settings';
import { inQuietHours, nextTimeOfDay, profileTimeZone } from '../../shared/time';
import { anyOf, type Database } from '../db/database';
import type { MessageStatus, RunContext } from '../db/schema';
import { loadChannelSettings, type DeliveryEnvironment } from './channel-context';
import { renderEmail, sendEmail, smtpTarget } from './email-sender';
import { ProviderDownError, RetryableError } from './http-sender';
import { sendThroughProvider, sendWebhook } from './providers';
import { BlockedTargetError } from './network-guard';
import { trackProfileEvents, type ProfileEvent } from './profile-events';
import { templateRenderer, TemplateError, type TemplateData } from './templates';
import { deliveryLatency, deliveryOutcomes } from '../metrics';
import { changeTraits } from '../profiles/trait-changes';
import { recipientLanguage } from './recipient-language';
import { groupFields } from '../../shared/conditions';

/** A lease not renewed for this long is taken to belong to a worker that died (WAYMARK_DELIVERY_CLAIM_SECONDS). */
const defaultLeaseSeconds = 120;
/** The longest pause between two probes of a provider that is down (WAYMARK_DELIVERY_PROBE_SECONDS). */
const defaultProbeSeconds = 30;
/** How long a message may wait for its provider before it expires (WAYMARK_DELIVERY_MAX_AGE_HOURS). */
const defaultMaxAgeSeconds = 24 * 3600;
/** Messages sent at once to one provider by one worker (WAYMARK_DELIVERY_CONCURRENCY). */
const defaultConcurrency = 16;
/** Attempts for errors that are neither an outage nor a refusal. */
const maxAttempts = 5;

type Claimed = {
  id: string;
  workspace_id: string;
  run_id: string | null;
  profile_id: string | null;
  journey_id: string | null;
  node_id: string | null;
  channel: 'email' | 'sms' | 'push' | 'webhook';
  recipient: string | null;
  content: Record<string, unknown>;
  idempotency_key: string;
  attempts: number;
  /** From a test run: goes to the workspace's test address, past consent, caps and quiet hours. */
  is_test: boolean;
  created_at: Date;
  /** When it was due: its send_after (a delay, quiet hours, a retry), else when it was written. */
  due: Date;
  /** Set when an earlier claimer handed the message to its provider and never recorded the outcome. */
  handed_at: Date | null;
};

type Outcome =
  | { status: 'sent'; providerId: string }
  | { status: 'suppressed'; reason: string }
  | { status: 'delayed'; until: Date; reason: string }
  | { status: 'retry'; until: Date; reason: string }
  /** Its provider is down: back to the queue until the next probe, the attempt not counted. */
  | { status: 'held'; until: Date; reason: string; tried: boolean }
  | { status: 'failed'; reason: string }
  | { status: 'bounced'; reason: string }
  | { status: 'uncertain'; reason: string }
  | { status: 'expired'; reason: string }
  /** The lease was lost before the provider call: another worker has the message now. */
  | { status: 'lost' };

export interface DeliveryServices {
  db: Database;
  boss: PgBoss;
}

/**
 * How the claim is planned. The ordered index scan reads as many rows as it claims; but while the
 * outbox's statistics still describe it as small (a new install's first campaign fills it within
 * seconds, autovacuum analyzes it a minute later) the planner prefers to collect every due message
 * and sort them: 60-80 ms a claim at 20,000 queued. Sorting is what the index is there to avoid.
 */
export const claimPlanSetting = 'SET LOCAL enable_sort = off';

/** The statement that claims up to `limit` due messages under `token` (exported for the test of its plan). */
export function claimStatement(limit: number, leaseSeconds: number, token: string = randomUUID()) {
  return sql<Claimed>`
    WITH queued AS (
      -- due queued messages, in claim order straight from their index (messages_queued_due)
      SELECT id, coalesce(send_after, created_at) AS due, created_at, idempotency_key FROM messages
      WHERE status = 'queued' AND coalesce(send_after, created_at) <= now()
      ORDER BY coalesce(send_after, created_at), created_at, idempotency_key LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ), stale AS (
      -- leases of a worker that died (messages_sending_lease)
      SELECT id, coalesce(send_after, created_at) AS due, created_at, idempotency_key FROM messages
      WHERE status = 'sending' AND lease_until < now()
      ORDER BY lease_until LIMIT ${limit} FOR UPDATE SKIP LOCKED
    )
    UPDATE messages SET status = 'sending', claimed_at = now(), attempts = attempts + 1,
      claim_token = ${token}::uuid, lease_until = now() + make_interval(secs => ${leaseSeconds})
    WHERE id IN (SELECT id FROM (SELECT id, due, created_at, idempotency_key FROM queued UNION ALL SELECT id, due, created_at, idempotency_key FROM stale) due ORDER BY due, created_at, idempotency_key LIMIT ${limit})
    RETURNING id, workspace_id, run_id, profile_id, journey_id, node_id, channel, recipient, content, idempotency_key, attempts, is_test, handed_at,
      coalesce(send_after, created_at) AS due, created_at`;
}

async function claimDue(
  db: Database,
  limit: number,
  leaseSeconds: number,
  token: string,
): Promise<Claimed[]> {
  const result = await db.transaction().execute(async (trx) => {
    await sql.raw(claimPlanSetting).execute(trx);
    return claimStatement(limit, leaseSeconds, token).execute(trx);
  });
  // RETURNING does not keep the subquery's order: sort, so a journey's messages go out in step order.
  const key = (row: Claimed) => [row.due.getTime(), row.created_at.getTime(), row.idempotency_key] as const;
  return result.rows.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2].localeCompare(kb[2]);
  });
}

type ProfileRow = {
  id: string;
  user_id: string | null;
  traits: unknown;
  group_id: string | null;
  group_traits: unknown;
};

/** A message that passed consent, caps and quiet hours, ready for its provider. */
interface Ready {
  message: Claimed;
  /** Records the hand-over to the provider if this claim still holds the message (see handOvers). */
  handOver(): Promise<boolean>;
  settings: ChannelSettings;
  data: TemplateData;
  marketing: boolean;
}

/** Test runs go to the workspace's test address; returns the failure when there is none. */
function asTestMessage(message: Claimed, settings: ChannelSettings): Claimed | Outcome {
  const testTo =
    message.channel === 'email'
      ? settings.test.email
      : message.channel === 'sms'
        ? settings.test.phone
        : message.channel === 'push'
          ? settings.test.device
          : message.recipient;
  if (message.channel !== 'webhook' && !testTo)
    return {
      status: 'failed',
      reason: `test run: no test ${message.channel === 'email' ? 'email address' : message.channel === 'sms' ? 'phone number' : 'device'} is set in the channel settings`,
    };
  return {
    ...message,
    recipient: testTo ?? null,
    content: {
      ...message.content,
      ...(message.channel === 'email' ? { subject: `[Test] ${String(message.content.subject ?? '')}` } : {}),
      ...(message.channel === 'webhook'
        ? {
            headers: {
              ...((message.content.headers as Record<string, string>) ?? {}),
              'x-waymark-test': '1',
            },
          }
        : {}),
    },
  };
}

/** Consent, bounces, caps and quiet hours: an outcome when the message does not go out now. */
async function gate(
  services: DeliveryServices,
  message: Claimed,
  settings: ChannelSettings,
  now: Date,
  traits: Record<string, unknown>,
  marketing: boolean,
  sentInBatch: (profileId: string, channel: string) => number,
): Promise<Outcome | undefined> {
  const consent = (traits.consent ?? {}) as Record<string, unknown>;
  if (
    message.channel !== 'webhook' &&
    marketing &&
    (traits.unsubscribed === true || consent[message.channel] === false)
  ) {
    return { status: 'suppressed', reason: `the customer opted out of ${message.channel}` };
  }
  if (message.channel === 'email' && traits.emailBounced === true)
    return { status: 'suppressed', reason: 'the address bounced before' };
  const cap = message.channel === 'webhook' ? undefined : settings.caps[message.channel];
  if (cap && message.profile_id) {
    const sent = await services.db
      .selectFrom('messages')
      .select(sql<number>`count(*)`.as('n'))
      .where('profile_id', '=', message.profile_id)
      .where('channel', '=', message.channel)
      .where('id', '<>', message.id)
      .where('status', 'in', ['sent', 'delivered', 'opened', 'clicked'])
      .where('sent_at', '>', new Date(now.getTime() - cap.days * 86_400_000))
      .executeTakeFirstOrThrow();
    if (Number(sent.n) + sentInBatch(message.profile_id, message.channel) >= cap.max)
      return {
        status: 'suppressed',
        reason: `frequency cap: ${cap.max} ${message.channel} in ${cap.days} days`,
      };
  }
  if (settings.quietHours && message.channel !== 'webhook') {
    const zone = profileTimeZone(traits);
    if (inQuietHours(now, zone, settings.quietHours)) {
      return {
        status: 'delayed',
        until: nextTimeOfDay(now, settings.quietHours.end, zone),
        reason: `quiet hours in ${zone}`,
      };
    }
  }
  return undefined;
}

/**
 * How an SMTP error is taken. Refusals name a cause: 5xx for the recipient is a hard bounce, any
 * other 5xx fails the message. A 4xx, a refused or timed-out connection, DNS, TLS or login trouble
 * means the server is not taking mail now: the provider is down and nothing was handed over. A
 * connection lost mid-session may have lost it after the message was sent: handed, outcome unknown.
 */
function smtpFailure(error: unknown): Outcome | ProviderDownError | undefined {
  const { code, responseCode, command, timeoutType, message } = error as {
    code?: string;
    responseCode?: number;
    command?: string;
    timeoutType?: string;
    message?: string;
  };
  if (code === 'EAUTH') return new ProviderDownError(`the mail server refused the login: ${message}`, false);
  if (responseCode && responseCode >= 500) {
    return command === 'RCPT TO' || code === 'EENVELOPE'
      ? { status: 'bounced', reason: `the mail server refused the address (${responseCode})` }
      : { status: 'failed', reason: `the mail server refused the message (${responseCode}): ${message}` };
  }
  if (responseCode && responseCode >= 400)
    return new ProviderDownError(`the mail server answered ${responseCode}: try later`, false);
  const beforeSession =
    code === 'EDNS' ||
    code === 'ETLS' ||
    (code === 'ETIMEDOUT' && timeoutType !== 'SOCKET_TIMEOUT') ||
    (code === 'ESOCKET' && /^connect /.test(message ?? ''));
  if (beforeSession) return new ProviderDownError(`could not reach the mail server: ${message}`, false);
  if (code === 'ESOCKET' || code === 'ECONNECTION' || code === 'ETIMEDOUT')
    return new ProviderDownError(`the mail server connection broke: ${message}`, true);
  return undefined;
}

/** The provider a message goes to, for pausing: one per channel and workspace, a webhook's per host. */
function providerOf(ready: Ready, webhookUrl?: string): string | undefined {
  const { message, settings } = ready;
  if (message.channel === 'webhook') {
    try {
      return `webhook:${new URL(webhookUrl ?? '').host}`;
    } catch {
      return undefined;
    }
  }
  if (message.channel === 'email') return 'email';
  return settings[message.channel].adapter === 'http' && settings[message.channel].url
    ? message.channel
    : undefined;
}

/** Hands one message to its provider. Throws ProviderDownError when the provider is not taking messages. */
async function send(
  services: DeliveryServices,
  environment: DeliveryEnvironment,
  ready: Ready,
  render: (template: unknown) => Promise<string>,
  log: (line: string) => void,
): Promise<Outcome> {
  const { message, settings, data } = ready;
  const recipient = message.recipient!;
  if (message.channel === 'email') {
    const email = {
      messageId: message.id,
      idempotencyKey: message.idempotency_key,
      from: settings.email.from ?? environment.defaultFrom,
      to: recipient,
      ...(await renderEmail(message.content, data)),
      marketing: ready.marketing,
      language: recipientLanguage(data.profile),
    };
    return fence(services, ready, async () => {
      try {
        return {
          status: 'sent',
          providerId: await sendEmail(
            smtpTarget(settings.email.smtpUrl, environment.defaultSmtpUrl, environment.allowPrivateHosts),
            email,
            environment.publicUrl,
            environment.secret,
            log,
            environment.smtpPool,
          ),
        };
      } catch (error) {
        const failure = smtpFailure(error);
        if (failure instanceof ProviderDownError) throw failure;
        if (failure) return failure;
        throw error;
      }
    });
  }
  if (message.channel === 'webhook') {
    const outcome = await sendWebhook(
      settings,
      environment.allowPrivateHosts,
      message.content,
      render,
      message.idempotency_key,
      {},
      () => ready.handOver(),
    );
    if (outcome === 'lost') return { status: 'lost' };
    if (outcome.status >= 500 || outcome.status === 429)
      throw new ProviderDownError(`the target answered ${outcome.status}`, true);
    if (outcome.status >= 400) return { status: 'failed', reason: `the target answered ${outcome.status}` };
    await applyResponseTraits(services, message.profile_id, outcome.body);
    return { status: 'sent', providerId: `http ${outcome.status}` };
  }
  const content = {
    to: recipient,
    body: await render(message.content.body),
    title: await render(message.content.title),
  };
  return fence(services, ready, async () => {
    const outcome = await sendThroughProvider(
      settings,
      environment.allowPrivateHosts,
      message.channel as 'sms' | 'push',
      content,
      data,
      message.idempotency_key,
      log,
    );
    if (outcome === 'logged') return { status: 'sent', providerId: `log:${message.idempotency_key}` };
    if (outcome.status >= 500 || outcome.status === 429)
      throw new ProviderDownError(`the provider answered ${outcome.status}`, true);
    if (outcome.status >= 400) return { status: 'failed', reason: `the provider answered ${outcome.status}` };
    return { status: 'sent', providerId: `http ${outcome.status}` };
  });
}

/** Records the hand-over (token and lease checked, committed) and then calls the provider. */
async function fence(
  services: DeliveryServices,
  ready: Ready,
  call: () => Promise<Outcome>,
): Promise<Outcome> {
  return (await ready.handOver()) ? call() : { status: 'lost' };
}

/**
 * Hand-overs of one claim: each message's is recorded (token and lease checked, committed) right
 * before its provider call. The messages sent at once share statements: those that ask while one
 * is being written go together in the next — one commit for several, none recorded early.
 */
function handOvers(db: Database, token: string): (id: string) => Promise<boolean> {
  let waiting: Array<{ id: string; answer(held: boolean): void; fail(error: unknown): void }> = [];
  let writing = false;
  const write = async () => {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        const held = await sql<{
          id: string;
        }>`UPDATE messages SET handed_at = now() WHERE id = ${anyOf(batch.map((entry) => entry.id))} AND claim_token = ${token}::uuid AND status = 'sending' AND lease_until > now() RETURNING id`.execute(
          db,
        );
        const ids = new Set(held.rows.map((row) => row.id));
        for (const entry of batch) entry.answer(ids.has(entry.id));
      } catch (error) {
        for (const entry of batch) entry.fail(error);
      }
    }
    writing = false;
  };
  return (id) =>
    new Promise<boolean>((answer, fail) => {
      waiting.push({ id, answer, fail });
      if (!writing) void write();
    });
}

/** A webhook's JSON answer may set traits: { "traits": { "crmId": "…" } }. */
async function applyResponseTraits(
  services: DeliveryServices,
  profileId: string | null,
  body: string,
): Promise<void> {
  if (!profileId) return;
  try {
    const parsed = JSON.parse(body) as { traits?: unknown };
    if (parsed.traits && typeof parsed.traits === 'object' && !Array.isArray(parsed.traits)) {
      const traits = parsed.traits as Record<string, unknown>;
      await services.db
        .transaction()
        .execute((trx) => changeTraits(trx, services.boss, [{ profileId, set: traits }]));
    }
  } catch {
    /* not JSON: nothing to apply */
  }
}

const eventNames: Partial<Record<string, string>> = {
  email: 'Email Delivered',
  sms: 'SMS Delivered',
  push: 'Push Delivered',
  webhook: 'Webhook Delivered',
};
const outcomeEventNames: Partial<Record<Outcome['status'], string>> = {
  suppressed: 'Message Suppressed',
  bounced: 'Email Bounced',
  failed: 'Message Failed',
  uncertain: 'Message Uncertain',
  expired: 'Message Expired',
};

/** Pauses a provider (or keeps it paused); returns when it may be probed next. */
async function pauseProvider(
  db: Database,
  workspaceId: string,
  provider: string,
  reason: string,
  probeSeconds: number,
): Promise<Date> {
  // Probes come sooner at first and then every probeSeconds: 1 s, 2 s, 4 s … after the pause began.
  const row = await sql<{ next_probe_at: Date }>`
    INSERT INTO delivery_providers (workspace_id, provider, paused_since, next_probe_at, last_error)
    VALUES (${workspaceId}, ${provider}, now(), now() + interval '1 second', ${reason})
    ON CONFLICT (workspace_id, provider) DO UPDATE SET last_error = excluded.last_error,
      next_probe_at = now() + make_interval(secs => least(${probeSeconds}::float8, greatest(1, extract(epoch FROM now() - delivery_providers.paused_since))))
    RETURNING next_probe_at`.execute(db);
  return row.rows[0].next_probe_at;
}

/** Takes the probe of a paused provider when it is due: true for the one caller that gets it. */
async function takeProbe(
  db: Database,
  workspaceId: string,
  provider: string,
  probeSeconds: number,
): Promise<boolean> {
  const row =
    await sql`UPDATE delivery_providers SET next_probe_at = now() + make_interval(secs => ${probeSeconds}) WHERE workspace_id = ${workspaceId} AND provider = ${provider} AND next_probe_at <= now()`.execute(
      db,
    );
  return Number(row.numAffectedRows ?? 0) === 1;
}

interface Final {
  id: string;
  status: MessageStatus;
  error: string | null;
  provider_id: string | null;
  sent_at: string | null;
  send_after: string | null;
  attempts_delta: number;
}

function finalOf(message: Claimed, outcome: Exclude<Outcome, { status: 'lost' }>, now: Date): Final {
  const base = { id: message.id, provider_id: null, sent_at: null, send_after: null, attempts_delta: 0 };
  switch (outcome.status) {
    case 'sent':
      return {
        ...base,
        status: 'sent',
        error: null,
        provider_id: outcome.providerId,
        sent_at: now.toISOString(),
      };
    case 'delayed':
      return {
        ...base,
        status: 'queued',
        error: outcome.reason,
        send_after: outcome.until.toISOString(),
        attempts_delta: -1,
      };
    case 'retry':
      return { ...base, status: 'queued', error: outcome.reason, send_after: outcome.until.toISOString() };
    case 'held':
      return {
        ...base,
        status: 'queued',
        error: outcome.reason,
        send_after: outcome.until.toISOString(),
        attempts_delta: outcome.tried ? 0 : -1,
      };
    default:
      return { ...base, status: outcome.status, error: outcome.reason };
  }
}

/** Delivers up to `limit` due messages. Returns how many were claimed. */
export async function deliverDueMessages(
  services: DeliveryServices,
  environment: DeliveryEnvironment,
  limit = 20,
  log: (line: string) => void = () => {},
): Promise<number> {
  const leaseSeconds = environment.claimTimeoutSeconds ?? defaultLeaseSeconds;
  const probeSeconds = environment.probeSeconds ?? defaultProbeSeconds;
  const maxAgeMilliseconds = (environment.maxAgeSeconds ?? defaultMaxAgeSeconds) * 1000;
  await recordLeftovers(services, log);
  const token = randomUUID();
  const claimed = await claimDue(services.db, limit, leaseSeconds, token);
  if (claimed.length === 0) return 0;

  // The lease is renewed while this worker holds messages; each write checks the token.
  const inHand = new Set(claimed.map((message) => message.id));
  const renew = setInterval(
    () => {
      if (inHand.size === 0) return;
      sql`UPDATE messages SET lease_until = now() + make_interval(secs => ${leaseSeconds}) WHERE id = ${anyOf([...inHand])} AND claim_token = ${token}::uuid AND status = 'sending'`
        .execute(services.db)
        .catch((error) => log(`[delivery] could not renew a lease: ${(error as Error).message}`));
    },
    Math.max(200, (leaseSeconds * 1000) / 3),
  );

  const finals: Final[] = [];
  const outcomes: ProfileEvent[] = [];
  const bounced: string[] = [];
  // What could not be written (the database went away) is kept and written before the next claim.
  const leftover: Unrecorded = { token, finals: [], bounced: [], events: [] };
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = finals.splice(0);
    if (batch.length === 0) return flushing;
    flushing = flushing.then(async () => {
      try {
        await writeOutcomes(services.db, token, batch);
      } catch (error) {
        log(
          `[delivery] could not record ${batch.length} outcomes, kept to record later: ${(error as Error).message}`,
        );
        leftover.finals.push(...batch);
      }
      for (const row of batch) inHand.delete(row.id);
    });
    return flushing;
  };

  try {
    const settingsCache = new Map<string, ChannelSettings>();
    // The claimed messages' profiles and runs, read once for all of them; and the paused providers.
    const profileIds = [
      ...new Set(claimed.map((message) => message.profile_id).filter((id): id is string => Boolean(id))),
    ];
    const runIds = [
      ...new Set(claimed.map((message) => message.run_id).filter((id): id is string => Boolean(id))),
    ];
    const workspaceIds = [...new Set(claimed.map((message) => message.workspace_id))];
    const [profileRows, runRows, pausedRows] = await Promise.all([
      profileIds.length === 0
        ? []
        : services.db
            .selectFrom('profiles as p')
            .leftJoin('groups as g', (join) =>
              join.onRef('g.workspace_id', '=', 'p.workspace_id').onRef('g.group_id', '=', 'p.group_id'),
            )
            .select(['p.id', 'p.user_id', 'p.traits', 'g.group_id', 'g.traits as group_traits'])
            .where('p.id', '=', anyOf(profileIds))
            .execute(),
      runIds.length === 0
        ? []
        : services.db.selectFrom('runs').select(['id', 'context']).where('id', '=', anyOf(runIds)).execute(),
      services.db
        .selectFrom('delivery_providers')
        .select(['workspace_id', 'provider', 'next_probe_at', 'last_error'])
        .where('workspace_id', '=', anyOf(workspaceIds))
        .execute(),
    ]);
    const profiles = new Map<string, ProfileRow>(profileRows.map((row) => [row.id, row]));
    const contexts = new Map<string, RunContext>(runRows.map((row) => [row.id, row.context as RunContext]));
    /** Providers that are down, by workspace and provider: until when, and why. */
    const paused = new Map<string, { until: Date; reason: string }>(
      pausedRows.map((row) => [
        `${row.workspace_id} ${row.provider}`,
        { until: row.next_probe_at, reason: row.last_error ?? 'the provider is down' },
      ]),
    );
    const sentInBatch = new Map<string, number>();

    const settle = (
      message: Claimed,
      outcome: Outcome,
      now = new Date(),
      provider = message.channel as string,
    ) => {
      if (outcome.status === 'lost') {
        inHand.delete(message.id);
        return;
      }
      deliveryOutcomes.inc({
        channel: message.channel,
        provider: provider.startsWith('webhook:') ? 'webhook' : provider,
        outcome: outcome.status,
      });
      if (outcome.status === 'sent')
        deliveryLatency.observe(
          { channel: message.channel },
          Math.max(0, Date.now() - message.due.getTime()) / 1000,
        );
      finals.push(finalOf(message, outcome, now));
      if (outcome.status === 'bounced' && message.profile_id) bounced.push(message.profile_id);
      if (
        message.profile_id &&
        outcome.status !== 'delayed' &&
        outcome.status !== 'retry' &&
        outcome.status !== 'held'
      ) {
        const name =
          outcome.status === 'sent' ? eventNames[message.channel]! : outcomeEventNames[outcome.status]!;
        outcomes.push({
          profileId: message.profile_id,
          name,
          properties: {
            channel: message.channel,
            messageId: message.id,
            journeyId: message.journey_id,
            nodeId: message.node_id,
            ...(outcome.status !== 'sent' ? { reason: outcome.reason } : {}),
          },
          messageId: `message:${message.id}:${outcome.status}`,
        });
      }
      if (finals.length >= 50) void flush();
    };

    // First, in claim order: what does not go out now (consent, caps, quiet hours, uncertain).
    const lanes = new Map<string, Ready[]>();
    const handOver = handOvers(services.db, token);
    for (const original of claimed) {
      const now = new Date();
      let settings = settingsCache.get(original.workspace_id);
      if (!settings)
        settingsCache.set(
          original.workspace_id,
          (settings = await loadChannelSettings(services.db, original.workspace_id)),
        );
      if (original.handed_at && original.channel === 'email' && settings.email.uncertain !== 'resend') {
        settle(original, {
          status: 'uncertain',
          reason:
            'the worker sending it stopped after handing it to the mail server; not sent again, so that it cannot arrive twice',
        });
        continue;
      }
      const message = original.is_test ? asTestMessage(original, settings) : original;
      if ('status' in message) {
        settle(original, message);
        continue;
      }
      const profile = message.profile_id ? profiles.get(message.profile_id) : undefined;
      const traits = (profile?.traits ?? {}) as Record<string, unknown>;
      const marketing = message.content.marketing !== false && !message.is_test;
      const stop = message.is_test
        ? undefined
        : await gate(
            services,
            message,
            settings,
            now,
            traits,
            marketing,
            (profileId, channel) => sentInBatch.get(`${profileId} ${channel}`) ?? 0,
          );
      if (stop) {
        settle(message, stop, now);
        continue;
      }
      if (!message.recipient) {
        settle(
          message,
          {
            status: 'failed',
            reason: `no ${message.channel === 'email' ? 'email address' : message.channel === 'sms' ? 'phone number' : 'recipient'} on the profile`,
          },
          now,
        );
        continue;
      }
      if (message.profile_id)
        sentInBatch.set(
          `${message.profile_id} ${message.channel}`,
          (sentInBatch.get(`${message.profile_id} ${message.channel}`) ?? 0) + 1,
        );
      const context = (message.run_id ? contexts.get(message.run_id) : undefined) ?? {
        event: null,
        variables: {},
      };
      const data: TemplateData = {
        profile: { ...traits, userId: profile?.user_id ?? null },
        event: context.event?.properties ?? {},
        vars: context.variables ?? {},
        group:
          groupFields(
            profile?.group_id
              ? { id: profile.group_id, traits: profile.group_traits as Record<string, unknown> }
              : null,
          ) ?? {},
      };
      const lane = `${message.workspace_id} ${message.channel}`;
      const queue = lanes.get(lane);
      const ready: Ready = { message, settings, data, marketing, handOver: () => handOver(message.id) };
      if (queue) queue.push(ready);
      else lanes.set(lane, [ready]);
    }

    // Then each provider's messages, a few at a time, in claim order.
    const sendOne = async (ready: Ready) => {
      const { message } = ready;
      const now = new Date();
      const render = templateRenderer(ready.data);
      let provider: string | undefined;
      try {
        provider = providerOf(
          ready,
          message.channel === 'webhook' ? await render(message.content.url) : undefined,
        );
        const pause = provider ? paused.get(`${message.workspace_id} ${provider}`) : undefined;
        if (provider && pause) {
          // Down: one message probes it when the probe is due (across workers); the rest wait.
          if (
            pause.until > now ||
            !(await takeProbe(services.db, message.workspace_id, provider, probeSeconds))
          ) {
            settle(
              message,
              held(message, pause.until, pause.reason, false, now, maxAgeMilliseconds),
              now,
              provider,
            );
            return;
          }
        }
        const outcome = await send(services, environment, ready, render, log);
        if (provider && pause && outcome.status !== 'lost') {
          paused.delete(`${message.workspace_id} ${provider}`);
          await services.db
            .deleteFrom('delivery_providers')
            .where('workspace_id', '=', message.workspace_id)
            .where('provider', '=', provider)
            .execute();
          log(`[delivery] ${provider} answers again`);
        }
        settle(message, outcome, now, provider);
      } catch (error) {
        if (error instanceof TemplateError || error instanceof BlockedTargetError) {
          settle(message, { status: 'failed', reason: error.message }, now);
          return;
        }
        if (error instanceof ProviderDownError || error instanceof RetryableError) {
          const down =
            error instanceof ProviderDownError ? error : new ProviderDownError(error.message, true);
          if (down.handed && message.channel === 'email' && ready.settings.email.uncertain !== 'resend') {
            settle(
              message,
              {
                status: 'uncertain',
                reason: `${down.message}; the mail server may have taken it, so it is not sent again`,
              },
              now,
            );
            return;
          }
          const key = `${message.workspace_id} ${provider ?? message.channel}`;
          const until = provider
            ? await pauseProvider(services.db, message.workspace_id, provider, down.message, probeSeconds)
            : new Date(now.getTime() + 30_000);
          if (provider && !paused.has(key)) log(`[delivery] ${provider} paused: ${down.message}`);
          paused.set(key, { until, reason: down.message });
          settle(message, held(message, until, down.message, true, now, maxAgeMilliseconds), now, provider);
          return;
        }
        const reason = (error as Error).message;
        settle(
          message,
          message.attempts >= maxAttempts
            ? { status: 'failed', reason: `gave up after ${message.attempts} attempts: ${reason}` }
            : {
                status: 'retry',
                until: new Date(now.getTime() + Math.min(2 ** message.attempts, 300) * 1000),
                reason,
              },
          now,
        );
      }
    };
    const concurrency = environment.concurrency ?? defaultConcurrency;
    await Promise.all(
      [...lanes].map(async ([lane, queue]) => {
        // A provider that is paused gets one message (the probe, when due) before the rest follow.
        if ([...paused.keys()].some((key) => key.startsWith(lane))) await sendOne(queue.shift()!);
        await Promise.all(
          Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
            for (let next = queue.shift(); next; next = queue.shift()) await sendOne(next);
          }),
        );
      }),
    );
    await flush();
  } finally {
    clearInterval(renew);
  }
  leftover.bounced = bounced;
  leftover.events = outcomes;
  if (leftover.finals.length === 0) {
    try {
      await recordEffects(services, leftover);
    } catch (error) {
      log(`[delivery] could not record message outcomes, kept to record later: ${(error as Error).message}`);
    }
  }
  if (leftover.finals.length + leftover.bounced.length + leftover.events.length > 0)
    leftovers(services.db).push(leftover);
  return claimed.length;
}

/** Outcomes a worker knows but could not write yet, with the claim's token. */
interface Unrecorded {
  token: string;
  finals: Final[];
  bounced: string[];
  events: ProfileEvent[];
}
const unrecorded = new WeakMap<Database, Unrecorded[]>();
const recording = new WeakMap<Database, Promise<void>>();
const leftovers = (db: Database) => {
  let list = unrecorded.get(db);
  if (!list) unrecorded.set(db, (list = []));
  return list;
};

/** The outcomes of messages this claim still holds (token checked): sent, failed, back to the queue… */
async function writeOutcomes(db: Database, token: string, finals: readonly Final[]): Promise<void> {
  await sql`
    UPDATE messages m SET status = v.status, error = v.error, provider_id = coalesce(v.provider_id, m.provider_id), sent_at = coalesce(v.sent_at, m.sent_at),
      send_after = CASE WHEN v.status = 'queued' THEN v.send_after ELSE m.send_after END, attempts = m.attempts + v.attempts_delta,
      handed_at = CASE WHEN v.status = 'queued' THEN NULL ELSE m.handed_at END, claim_token = NULL, lease_until = NULL
    FROM jsonb_to_recordset(${JSON.stringify(finals)}::jsonb) AS v(id uuid, status text, error text, provider_id text, sent_at timestamptz, send_after timestamptz, attempts_delta int)
    WHERE m.id = v.id AND m.claim_token = ${token}::uuid`.execute(db);
}

/** Bounced addresses marked on their profiles, and the outcome events (idempotent by their message ids). */
async function recordEffects(services: DeliveryServices, entry: Unrecorded): Promise<void> {
  if (entry.bounced.length > 0) {
    const bounced = [...new Set(entry.bounced)].map((profileId) => ({
      profileId,
      set: { emailBounced: true },
    }));
    await services.db.transaction().execute((trx) => changeTraits(trx, services.boss, bounced));
    entry.bounced = [];
  }
  await trackProfileEvents(services, entry.events);
  entry.events = [];
}

/**
 * Writes what an earlier batch could not (the database restarted under it) before anything is
 * claimed: so a message this worker did send is recorded as sent, not taken for one whose
 * outcome nobody knows. Throws while the database is still away.
 */
async function recordLeftovers(services: DeliveryServices, log: (line: string) => void): Promise<void> {
  const list = unrecorded.get(services.db);
  if (!list || list.length === 0) return;
  const running = recording.get(services.db);
  if (running) return running;
  const work = (async () => {
    while (list.length > 0) {
      const entry = list[0];
      if (entry.finals.length > 0) {
        await writeOutcomes(services.db, entry.token, entry.finals);
        log(`[delivery] recorded ${entry.finals.length} outcomes kept while the database was away`);
        entry.finals = [];
      }
      await recordEffects(services, entry);
      list.shift();
    }
  })().finally(() => recording.delete(services.db));
  recording.set(services.db, work);
  return work;
}

/** A message whose provider is down waits for the next probe, until it is too old. */
function held(
  message: Claimed,
  until: Date,
  reason: string,
  tried: boolean,
  now: Date,
  maxAgeMilliseconds: number,
): Outcome {
  if (now.getTime() - message.created_at.getTime() > maxAgeMilliseconds)
    return {
      status: 'expired',
      reason: `its provider did not take messages for longer than the outbox keeps them: ${reason}`,
    };
  return { status: 'held', until, reason: `waiting for the provider: ${reason}`, tried };
}
