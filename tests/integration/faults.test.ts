// Faults the server must survive: PostgreSQL restarted while events arrive and customers wait, and
// the API process SIGKILLed in the middle of batches. An ingest call either got 2xx and its events
// are stored, or it got an error (or no answer) and retrying it is safe: nothing accepted is lost.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureDatabase,
  startEmbeddedPostgres,
  type RunningPostgres,
} from '../../server/db/embedded-postgres';
import { apiSession, startAppProcess, type AppProcess } from '../support/app-process';
import { eventually } from '../support/test-database';
import { createTestServices } from '../support/test-services';
import { startSmtpSink } from '../support/sinks';

const writeKey = 'fault-test-write-key';
const apps: AppProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const app of apps) await app.stop('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends small batches of Signed Up events until stopped; remembers which messageIds got 2xx. */
function startSender(url: string, prefix: string) {
  const accepted = new Set<string>();
  const refused: number[] = [];
  let running = true;
  let sent = 0;
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const loop = (async () => {
    while (running) {
      const batch = Array.from({ length: 5 }, () => {
        const id = `${prefix}-${++sent}`;
        return { type: 'track', userId: `customer-${id}`, event: 'Signed Up', messageId: id };
      });
      try {
        const response = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ batch }),
          signal: AbortSignal.timeout(5000),
        });
        if (response.ok) for (const message of batch) accepted.add(message.messageId);
        else refused.push(response.status);
      } catch {
        refused.push(0); // no answer
      }
      await sleep(20);
    }
  })();
  return {
    accepted,
    refused,
    get sent() {
      return sent;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function storedIds(url: string, prefix: string): Promise<Set<string>> {
  const client = new pg.Client(url);
  await client.connect();
  const { rows } = await client.query<{ message_id: string }>(
    'SELECT message_id FROM events WHERE message_id LIKE $1',
    [`${prefix}-%`],
  );
  await client.end();
  return new Set(rows.map((row) => row.message_id));
}

describe('faults', () => {
  it('PostgreSQL restarted while events arrive and runs wait: /healthz reports it, the server reconnects, nothing accepted is lost', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-fault-')), 'pgdata');
    let postgres: RunningPostgres = await startEmbeddedPostgres({ dataDir, fast: true });
    cleanups.push(
      () => postgres.stop(),
      async () => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }),
    );
    const databaseUrl = await ensureDatabase(postgres.url, 'waymark');
    const app = await startAppProcess({
      DATABASE_URL: databaseUrl,
      WAYMARK_WRITE_KEY: writeKey,
      WAYMARK_ROLE: 'all',
    });
    apps.push(app);

    // A journey whose customers wait 3 seconds and then get an email (logged: no SMTP server set).
    const session = await apiSession(app.url);
    const journey = await session.mutate<{ id: string }>('journeys.create', {
      name: 'Welcome',
      draft: {
        schemaVersion: 1,
        nodes: [
          { id: 't', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
          {
            id: 'w',
            type: 'wait.delay',
            position: { x: 0, y: 100 },
            config: { duration: { amount: 3, unit: 'seconds' } },
          },
          { id: 'm', type: 'touchpoint.email', position: { x: 0, y: 200 }, config: { subject: 'Welcome' } },
        ],
        edges: [
          { id: 'e1', source: 't', target: 'w', sourcePort: 'out' },
          { id: 'e2', source: 'w', target: 'm', sourcePort: 'out' },
        ],
      },
    });
    await session.mutate('journeys.publish', { id: journey.id });

    const prefix = `pg-restart-${randomUUID().slice(0, 8)}`;
    const sender = startSender(app.url, prefix);
    await eventually(async () => sender.accepted.size >= 50, {
      timeout: 30_000,
      message: 'events to be accepted before the restart',
    });

    await postgres.stop();
    const health = await eventually(
      async () => {
        const response = await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(
          () => null,
        );
        return response?.status === 503 ? ((await response.json()) as { status: string }) : undefined;
      },
      { timeout: 20_000, message: '/healthz to report the outage' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${app.output().slice(-3000)}`);
    });
    expect(health.status).not.toBe('ok');
    await sleep(1500); // ingest calls keep coming while the database is down
    const refusedDuringOutage = sender.refused.length;
    expect(refusedDuringOutage).toBeGreaterThan(0);

    postgres = await startEmbeddedPostgres({ dataDir, fast: true, preferredPort: postgres.port });
    await eventually(async () => (await fetch(`${app.url}/healthz`).catch(() => null))?.status === 200, {
      timeout: 60_000,
      message: '/healthz to recover',
    });
    const acceptedBefore = sender.accepted.size;
    await eventually(async () => sender.accepted.size >= acceptedBefore + 50, {
      timeout: 30_000,
      message: 'events to be accepted after the restart',
    });
    await sender.stop();

    // Every accepted event is stored, and every customer it brought in got his email after the wait.
    const stored = await storedIds(databaseUrl, prefix);
    const lost = [...sender.accepted].filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
    await eventually(
      async () => {
        const client = new pg.Client(databaseUrl);
        await client.connect();
        const { rows } = await client.query<{ runs: number; completed: number; emails: number }>(
          `SELECT count(*)::int AS runs, count(*) FILTER (WHERE status = 'completed')::int AS completed,
                (SELECT count(*)::int FROM messages WHERE journey_id = $1) AS emails FROM runs WHERE journey_id = $1`,
          [journey.id],
        );
        await client.end();
        return (
          rows[0].runs >= sender.accepted.size &&
          rows[0].completed === rows[0].runs &&
          rows[0].emails === rows[0].runs
        );
      },
      { timeout: 60_000, message: 'every accepted customer to finish the journey with one email' },
    );
    expect(app.child.exitCode).toBeNull(); // the server rode it out
  });

  it('PostgreSQL crashing (immediate shutdown, no checkpoint) while customers flow through: after recovery each got his email once', async () => {
    // Durable settings here (fsync, synchronous commit): what a crash loses is what the server
    // really loses. Step batches commit without waiting for the disk; this shows that costs nothing.
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-crash-')), 'pgdata');
    let postgres: RunningPostgres = await startEmbeddedPostgres({ dataDir });
    cleanups.push(
      () => postgres.stop(),
      async () => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }),
    );
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    const databaseUrl = await ensureDatabase(postgres.url, 'waymark');
    const app = await startAppProcess({
      DATABASE_URL: databaseUrl,
      WAYMARK_WRITE_KEY: writeKey,
      WAYMARK_ROLE: 'all',
      SMTP_URL: smtp.url,
      WAYMARK_DELIVERY_CLAIM_SECONDS: '2',
    });
    apps.push(app);
    const session = await apiSession(app.url);
    const journey = await session.mutate<{ id: string }>('journeys.create', {
      name: 'Receipt',
      draft: {
        schemaVersion: 1,
        nodes: [
          { id: 't', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Order Placed' } },
          {
            id: 'c',
            type: 'condition.if',
            position: { x: 0, y: 100 },
            config: {
              condition: {
                match: 'all',
                rules: [{ kind: 'attribute', source: 'trait', path: 'email', op: 'exists' }],
              },
            },
          },
          {
            id: 'm',
            type: 'touchpoint.email',
            position: { x: 0, y: 200 },
            config: { subject: 'Your receipt' },
          },
        ],
        edges: [
          { id: 'e1', source: 't', target: 'c', sourcePort: 'out' },
          { id: 'e2', source: 'c', target: 'm', sourcePort: 'yes' },
        ],
      },
    });
    await session.mutate('journeys.publish', { id: journey.id });

    const prefix = `pg-crash-${randomUUID().slice(0, 8)}`;
    const accepted = new Set<string>();
    let running = true;
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const sender = (async () => {
      for (let n = 1; running; n++) {
        const id = `${prefix}-${n}`;
        const batch = [
          { type: 'identify', userId: id, traits: { email: `${id}@example.com` } },
          { type: 'track', userId: id, event: 'Order Placed', messageId: id },
        ];
        const response = await fetch(`${app.url}/v1/batch`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ batch }),
          signal: AbortSignal.timeout(5000),
        }).catch(() => null);
        if (response?.ok) accepted.add(id);
        await sleep(5);
      }
    })();
    await eventually(async () => accepted.size >= 150, {
      timeout: 30_000,
      message: 'customers to be accepted before the crash',
    });
    // Immediate shutdown: every PostgreSQL process quits at once, nothing is flushed; the restart
    // replays the WAL (crash recovery).
    const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGQUIT');
    await eventually(
      async () => {
        try {
          process.kill(postmaster, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeout: 20_000, message: 'PostgreSQL to be gone' },
    );
    await sleep(500);
    postgres = await startEmbeddedPostgres({ dataDir, preferredPort: postgres.port });
    await eventually(async () => (await fetch(`${app.url}/healthz`).catch(() => null))?.status === 200, {
      timeout: 60_000,
      message: '/healthz to recover',
    });
    const before = accepted.size;
    await eventually(async () => accepted.size >= before + 50, {
      timeout: 30_000,
      message: 'customers to be accepted after the crash',
    });
    running = false;
    await sender;

    // Every accepted customer finished with one message, sent; the mail server has one email per customer.
    await eventually(
      async () => {
        const client = new pg.Client(databaseUrl);
        await client.connect();
        const { rows } = await client.query<{
          user_id: string;
          status: string;
          messages: number;
          sent: number;
        }>(
          `SELECT p.user_id, r.status, (SELECT count(*)::int FROM messages m WHERE m.run_id = r.id) AS messages,
                (SELECT count(*)::int FROM messages m WHERE m.run_id = r.id AND m.status = 'sent') AS sent
         FROM runs r JOIN profiles p ON p.id = r.profile_id WHERE r.journey_id = $1`,
          [journey.id],
        );
        await client.end();
        const byUser = new Map(rows.map((row) => [row.user_id, row]));
        return [...accepted].every(
          (id) =>
            byUser.get(id)?.status === 'completed' &&
            byUser.get(id)?.messages === 1 &&
            byUser.get(id)?.sent === 1,
        );
      },
      { timeout: 90_000, message: 'every accepted customer to finish with one sent email' },
    );
    const perRecipient = new Map<string, number>();
    for (const mail of smtp.messages) {
      const to = mail.to && !Array.isArray(mail.to) ? mail.to.value[0].address! : '';
      perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    }
    expect([...accepted].filter((id) => perRecipient.get(`${id}@example.com`) !== 1)).toEqual([]);
    expect([...perRecipient.values()].filter((count) => count > 1)).toEqual([]);
    expect(app.child.exitCode).toBeNull();
  });

  it('the API process SIGKILLed during batches: every batch that got 2xx is stored whole, none half', async () => {
    const services = await createTestServices();
    cleanups.push(() => services.close());
    const prefix = `api-kill-${randomUUID().slice(0, 8)}`;
    const api = await startAppProcess({
      DATABASE_URL: services.database.url,
      WAYMARK_WRITE_KEY: writeKey,
      WAYMARK_ROLE: 'api',
    });
    apps.push(api);
    const senders = [
      startSender(api.url, `${prefix}-a`),
      startSender(api.url, `${prefix}-b`),
      startSender(api.url, `${prefix}-c`),
    ];
    await eventually(async () => senders.every((sender) => sender.accepted.size >= 30), {
      timeout: 30_000,
      message: 'batches to be accepted',
    });
    await api.stop('SIGKILL');
    for (const sender of senders) await sender.stop();

    for (const [index, sender] of senders.entries()) {
      const stored = await storedIds(services.database.url, `${prefix}-${'abc'[index]}`);
      expect([...sender.accepted].filter((id) => !stored.has(id))).toEqual([]);
      // A batch is one transaction: of each batch of five, all or none are stored.
      const perBatch = new Map<number, number>();
      for (const id of stored) {
        const batch = Math.floor((Number(id.split('-').at(-1)) - 1) / 5);
        perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
      }
      expect([...perBatch.values()].filter((count) => count !== 5)).toEqual([]);
    }
    // A restarted API takes the retried batch once (messageId dedupe).
    const again = await startAppProcess({
      DATABASE_URL: services.database.url,
      WAYMARK_WRITE_KEY: writeKey,
      WAYMARK_ROLE: 'api',
    });
    apps.push(again);
    const retry = senders[0];
    const batch = Array.from({ length: 5 }, (_, index) => ({
      type: 'track',
      userId: `customer-${prefix}-a-${retry.sent - 4 + index}`,
      event: 'Signed Up',
      messageId: `${prefix}-a-${retry.sent - 4 + index}`,
    }));
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${again.url}/v1/batch`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      expect(response.status).toBe(200);
    }
    const client = new pg.Client(services.database.url);
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM events WHERE message_id = ANY($1)',
      [batch.map((message) => message.messageId)],
    );
    await client.end();
    expect(rows[0].n).toBe(5);
  });
});
