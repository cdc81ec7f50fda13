// Delivery as customers run it: worker processes side by side, an SMTP server that answers late,
// workers SIGKILLed while a provider holds its answer, an SMTP server and a webhook target that are
// down for 45 s, a mailbox that does not exist. Real processes, a real SMTP server (smtp-server),
// a real HTTP server that acts on each Idempotency-Key once.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJourneyStats } from '../../server/stats/journey-stats';
import { apiSession, startAppProcess, type AppProcess } from '../support/app-process';
import { buildGraph, createProfile, publishGraph, track } from '../support/engine-harness';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '../support/sinks';
import { eventually } from '../support/test-database';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
let smtp: SmtpSink;
let hooks: HttpSink;
const workers: AppProcess[] = [];

async function setChannels(channels: object): Promise<void> {
  await sql`UPDATE workspaces SET settings = jsonb_set(settings, '{channels}', ${JSON.stringify({ webhook: { allowHosts: ['127.0.0.1'], timeoutSeconds: 30 }, ...channels })}::jsonb) WHERE id = ${services.defaultWorkspaceId}`.execute(
    services.db,
  );
}

beforeAll(async () => {
  services = await createTestServices();
  smtp = await startSmtpSink();
  hooks = await startHttpSink();
  await setChannels({});
});
beforeEach(() => {
  smtp.answerDelayMilliseconds = 0;
  smtp.rejectRecipients.clear();
  hooks.holdResponse = undefined;
});
afterAll(async () => {
  for (const worker of workers) await worker.stop('SIGKILL');
  await smtp?.close();
  await hooks?.close();
  await services?.close();
});

async function startWorker(env: Record<string, string> = {}, role = 'worker'): Promise<AppProcess> {
  const worker = await startAppProcess({
    DATABASE_URL: services.database.url,
    WAYMARK_ROLE: role,
    SMTP_URL: smtp.url,
    WAYMARK_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    ...env,
  });
  workers.push(worker);
  return worker;
}

/** A journey that emails each customer who sends `event`, then (optionally) calls the webhook sink. */
async function journey(event: string, withWebhook = false): Promise<string> {
  const nodes = [
    { id: 't', type: 'trigger.event', config: { event } },
    { id: 'm', type: 'touchpoint.email', config: { subject: `${event} for {{ profile.email }}` } },
    ...(withWebhook
      ? [
          {
            id: 'w',
            type: 'touchpoint.webhook',
            config: {
              url: `${hooks.url}/${event.replace(/ /g, '-')}`,
              body: '{"email": "{{ profile.email }}"}',
            },
          },
        ]
      : []),
  ];
  return publishGraph(
    services,
    buildGraph(
      nodes,
      withWebhook
        ? [
            ['t', 'm'],
            ['m', 'w'],
          ]
        : [['t', 'm']],
    ),
    { name: event },
  );
}

async function customers(prefix: string, count: number, event: string): Promise<string[]> {
  const addresses = Array.from({ length: count }, (_, i) => `${prefix}-${i}@example.com`);
  const profiles = await Promise.all(addresses.map((email) => createProfile(services, { email })));
  for (const profileId of profiles) await track(services, profileId, event);
  return addresses;
}

/** How many emails each address received. */
function received(addresses: string[]): Map<string, number> {
  const counts = new Map(addresses.map((address) => [address, 0]));
  for (const mail of smtp.messages) {
    const to = mail.to && !Array.isArray(mail.to) ? (mail.to.value[0]?.address ?? '') : '';
    if (counts.has(to)) counts.set(to, counts.get(to)! + 1);
  }
  return counts;
}

async function statuses(journeyId: string, channel = 'email'): Promise<Record<string, number>> {
  const rows = await services.db
    .selectFrom('messages')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('journey_id', '=', journeyId)
    .where('channel', '=', channel as 'email')
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Holds a provider's next answer: `arrived` once the provider has the message, `release` lets the answer go. */
function holdOnce() {
  let release!: () => void;
  let arrivedNow!: () => void;
  const arrived = new Promise<void>((resolve) => {
    arrivedNow = resolve;
  });
  const hold = () => {
    arrivedNow();
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  };
  return { hold, arrived, release: () => release() };
}

async function messageOf(journeyId: string) {
  return services.db
    .selectFrom('messages')
    .selectAll()
    .where('journey_id', '=', journeyId)
    .executeTakeFirstOrThrow();
}

describe('delivery you can trust', () => {
  it('two workers, an SMTP server answering each message 600 ms late, a 10 s lease: each of 60 customers gets exactly one email', async () => {
    smtp.answerDelayMilliseconds = 600;
    // One connection and batches of 20: sending a batch takes 12 s, longer than the lease, which the holder renews.
    const env = {
      WAYMARK_DELIVERY_CLAIM_SECONDS: '10',
      WAYMARK_DELIVERY_BATCH: '20',
      WAYMARK_SMTP_POOL_CONNECTIONS: '1',
    };
    const [first, second] = await Promise.all([startWorker(env), startWorker(env)]);
    const journeyId = await journey('Late Answer');
    const addresses = await customers('late', 60, 'Late Answer');
    await eventually(async () => (await statuses(journeyId)).sent === 60, {
      timeout: 90_000,
      interval: 500,
      message: '60 emails to be sent',
    });
    expect([...received(addresses).values()]).toEqual(Array(60).fill(1));
    expect(await statuses(journeyId)).toEqual({ sent: 60 });
    await Promise.all([first.stop(), second.stop()]);
  });

  it('a worker SIGKILLed 10 times while the providers hold their answers: no email twice, the uncertain ones marked and counted, every webhook acted on once', async () => {
    smtp.answerDelayMilliseconds = 1500;
    hooks.holdResponse = async () => {
      await sleep(1500);
    };
    const env = { WAYMARK_DELIVERY_CLAIM_SECONDS: '2', WAYMARK_DELIVERY_BATCH: '10' };
    const journeyId = await journey('Kill Mail', true);
    const addresses = await customers('kill', 30, 'Kill Mail');
    for (let kill = 0; kill < 10; kill++) {
      const worker = await startWorker(env);
      const before = smtp.received + hooks.requests.length;
      // Killed while a message is with a provider (its answer held) or soon after start.
      await eventually(async () => smtp.received + hooks.requests.length > before, {
        timeout: 5_000,
        interval: 50,
      }).catch(() => {});
      await sleep(Math.random() * 700);
      await worker.stop('SIGKILL');
    }
    smtp.answerDelayMilliseconds = 0;
    hooks.holdResponse = undefined;
    const survivor = await startWorker(env);
    await eventually(
      async () => {
        const [email, webhook] = [await statuses(journeyId), await statuses(journeyId, 'webhook')];
        return (email.sent ?? 0) + (email.uncertain ?? 0) === 30 && webhook.sent === 30;
      },
      { timeout: 90_000, interval: 500, message: 'every email sent or marked uncertain, every webhook sent' },
    );

    const counts = received(addresses);
    expect(Math.max(...counts.values())).toBe(1); // no email arrived twice
    const email = await statuses(journeyId);
    expect(email.uncertain).toBeGreaterThan(0); // the kills landed while the mail server held a message
    // Sent means received; an uncertain one may or may not have arrived, and was not sent again.
    const rows = await services.db
      .selectFrom('messages')
      .select(['recipient', 'status', 'error'])
      .where('journey_id', '=', journeyId)
      .where('channel', '=', 'email')
      .execute();
    for (const row of rows.filter((message) => message.status === 'sent'))
      expect({ to: row.recipient, received: counts.get(row.recipient!) }).toEqual({
        to: row.recipient,
        received: 1,
      });
    for (const row of rows.filter((message) => message.status === 'uncertain'))
      expect(row.error).toMatch(/not sent again/);
    // Counted on the node, and on the customer's timeline.
    const stats = await getJourneyStats(services.db, services.defaultWorkspaceId, journeyId);
    expect(stats.nodes.m.messages?.uncertain).toBe(email.uncertain);
    const events = await services.db
      .selectFrom('events')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('workspace_id', '=', services.defaultWorkspaceId)
      .where('name', '=', 'Message Uncertain')
      .executeTakeFirstOrThrow();
    expect(events.n).toBe(email.uncertain);
    // Webhooks were offered again with their key where the outcome was unknown, and acted on once each.
    const processed = hooks.processed.filter((request) => request.path === '/Kill-Mail');
    expect(processed).toHaveLength(30);
    expect(new Set(processed.map((request) => JSON.parse(request.body).email))).toEqual(new Set(addresses));
    await survivor.stop();
  });

  it('an SMTP server and a webhook target down for 45 s: nothing fails, /healthz and Settings say so, and every message arrives once within 2 minutes of their return', async () => {
    await Promise.all([smtp.stop(), hooks.stop()]);
    const app = await startWorker({ WAYMARK_DELIVERY_CLAIM_SECONDS: '10' }, 'all');
    const journeyId = await journey('Outage', true);
    const addresses = await customers('outage', 20, 'Outage');
    const downSince = Date.now();
    const health = async () =>
      (await (await fetch(`${app.url}/healthz`)).json()) as { status: string; pausedProviders?: number };
    await eventually(async () => (await health()).pausedProviders === 2, {
      timeout: 30_000,
      interval: 250,
      message: 'both providers to be paused',
    });
    expect(await health()).toMatchObject({ status: 'degraded', pausedProviders: 2 });
    await eventually(
      async () =>
        (await statuses(journeyId)).queued === 20 && (await statuses(journeyId, 'webhook')).queued === 20,
      { timeout: 30_000, interval: 250, message: 'the messages to wait in the outbox' },
    );
    const api = await apiSession(app.url);
    const providers =
      await api.query<Array<{ provider: string; state: string; queued: number; lastError?: string }>>(
        'channels.providers',
      );
    expect(providers.find((row) => row.provider === 'email')).toMatchObject({
      state: 'paused',
      queued: 20,
      lastError: expect.stringContaining('ECONNREFUSED'),
    });
    expect(providers.find((row) => row.provider.startsWith('webhook:'))).toMatchObject({
      state: 'paused',
      queued: 20,
    });
    await sleep(Math.max(0, 45_000 - (Date.now() - downSince)));
    expect(await statuses(journeyId)).toEqual({ queued: 20 }); // nothing given up during the outage
    expect(await statuses(journeyId, 'webhook')).toEqual({ queued: 20 });

    await Promise.all([smtp.start(), hooks.start()]);
    const upAt = Date.now();
    await eventually(
      async () =>
        (await statuses(journeyId)).sent === 20 && (await statuses(journeyId, 'webhook')).sent === 20,
      { timeout: 120_000, interval: 500, message: 'the backlog to go out' },
    );
    expect(Date.now() - upAt).toBeLessThan(60_000); // within a minute of the providers' return
    expect([...received(addresses).values()]).toEqual(Array(20).fill(1));
    expect(hooks.processed.filter((request) => request.path === '/Outage')).toHaveLength(20);
    await eventually(async () => (await health()).status === 'ok', {
      timeout: 10_000,
      message: '/healthz to be ok again',
    });
    await app.stop();
  });

  it('a mailbox the SMTP server refuses with 550 fails only that message', async () => {
    smtp.rejectRecipients.add('refused-3@example.com');
    const worker = await startWorker();
    const journeyId = await journey('Refusal');
    const addresses = await customers('refused', 8, 'Refusal');
    await eventually(async () => (await statuses(journeyId)).sent === 7, {
      timeout: 30_000,
      message: 'seven emails to be sent',
    });
    await eventually(async () => (await statuses(journeyId)).bounced === 1, {
      timeout: 10_000,
      message: 'the refused one to bounce',
    });
    expect(await statuses(journeyId)).toEqual({ sent: 7, bounced: 1 });
    const counts = received(addresses);
    expect(counts.get('refused-3@example.com')).toBe(0);
    expect([...counts.values()].filter((n) => n === 1)).toHaveLength(7);
    expect(await services.db.selectFrom('delivery_providers').selectAll().execute()).toEqual([]); // a refusal is not an outage
    await worker.stop();
  });
});

describe('a worker SIGKILLed after the provider took a message, before the outcome was recorded', () => {
  const crashEnv = { WAYMARK_DELIVERY_CLAIM_SECONDS: '2' };

  it('an email is not sent again: SMTP servers do not deduplicate, so it is marked uncertain', async () => {
    const journeyId = await journey('Crash Mail');
    const profileId = await createProfile(services, { email: 'once@example.com' });
    const held = holdOnce();
    smtp.holdAcknowledgement = held.hold;
    const before = smtp.received;
    const first = await startWorker(crashEnv);
    await track(services, profileId, 'Crash Mail');
    await held.arrived; // the SMTP server has the whole message; its "250 OK" is held
    await first.stop('SIGKILL');
    smtp.holdAcknowledgement = undefined;
    held.release();
    const message = await messageOf(journeyId);
    expect(message.status).toBe('sending');

    const second = await startWorker(crashEnv);
    await eventually(async () => (await messageOf(journeyId)).status === 'uncertain', {
      timeout: 30_000,
      message: 'the message to be marked uncertain',
    });
    await sleep(1000);
    expect(smtp.received - before).toBe(1); // not offered again: the server may have delivered it
    expect(smtp.messages.at(-1)!.messageId).toContain(message.idempotency_key);
    await second.stop();
  });

  it('with "send it again" chosen for the workspace, the email is sent again', async () => {
    await setChannels({ email: { uncertain: 'resend' } });
    const journeyId = await journey('Crash Resend');
    const profileId = await createProfile(services, { email: 'resend@example.com' });
    const held = holdOnce();
    smtp.holdAcknowledgement = held.hold;
    const before = smtp.received;
    const first = await startWorker(crashEnv);
    await track(services, profileId, 'Crash Resend');
    await held.arrived;
    await first.stop('SIGKILL');
    smtp.holdAcknowledgement = undefined;
    held.release();
    const second = await startWorker(crashEnv);
    await eventually(async () => (await messageOf(journeyId)).status === 'sent', {
      timeout: 30_000,
      message: 'the message to be sent again',
    });
    expect(smtp.received - before).toBe(2);
    await second.stop();
    await setChannels({});
  });

  it('a webhook is offered again with its Idempotency-Key and acted on once', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Crash Hook' } },
          {
            id: 'w',
            type: 'touchpoint.webhook',
            config: { url: `${hooks.url}/orders`, body: '{"order": "{{ event.orderId }}"}' },
          },
        ],
        [['t', 'w']],
      ),
    );
    const profileId = await createProfile(services, {});
    const held = holdOnce();
    hooks.holdResponse = held.hold;
    const first = await startWorker(crashEnv);
    await track(services, profileId, 'Crash Hook', { orderId: 'A-17' });
    await held.arrived; // the target has acted on the request; its answer is held
    await first.stop('SIGKILL');
    hooks.holdResponse = undefined;
    held.release();
    const message = await messageOf(journeyId);
    expect(message.status).toBe('sending');

    const second = await startWorker(crashEnv);
    await eventually(async () => (await messageOf(journeyId)).status === 'sent', {
      timeout: 30_000,
      message: 'the webhook to be recorded as sent',
    });
    const requests = hooks.requests.filter((request) => request.path === '/orders');
    expect(requests).toHaveLength(2); // offered twice…
    expect(new Set(requests.map((request) => request.headers['idempotency-key']))).toEqual(
      new Set([message.idempotency_key]),
    );
    expect(hooks.processed.filter((request) => request.path === '/orders')).toEqual([
      { path: '/orders', body: '{"order": "A-17"}', idempotencyKey: message.idempotency_key },
    ]); // …acted on once
    await second.stop();
  });
});
