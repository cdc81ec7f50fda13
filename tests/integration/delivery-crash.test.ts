// A worker killed after the provider took a message but before the worker recorded it: after
// restart the message is offered again with the same idempotency key (the email's Message-ID, the
// webhook's Idempotency-Key header), the provider drops the repeat, and the customer gets it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { buildGraph, createProfile, publishGraph, track } from '../support/engine-harness';
import { sql } from 'kysely';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '../support/sinks';
import { eventually } from '../support/test-database';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
let smtp: SmtpSink;
let hooks: HttpSink;
const workers: AppProcess[] = [];

beforeAll(async () => {
  services = await createTestServices();
  smtp = await startSmtpSink();
  hooks = await startHttpSink();
});
afterAll(async () => {
  for (const worker of workers) await worker.stop('SIGKILL');
  await smtp?.close();
  await hooks?.close();
  await services?.close();
});

async function startWorker(): Promise<AppProcess> {
  const worker = await startAppProcess({ DATABASE_URL: services.database.url, WAYMARK_ROLE: 'worker', SMTP_URL: smtp.url, WAYMARK_DELIVERY_CLAIM_SECONDS: '2' });
  workers.push(worker);
  return worker;
}

describe('delivery crash safety', () => {
  it('a worker SIGKILLed between the provider accepting and the outbox recording sends the email once', async () => {
    const journeyId = await publishGraph(services, buildGraph([{ id: 't', type: 'trigger.event', config: { event: 'Crash Mail' } }, { id: 'm', type: 'touchpoint.email', config: { subject: 'Exactly once' } }], [['t', 'm']]));
    const profileId = await createProfile(services, { email: 'once@example.com' });
    let release!: () => void;
    let accepted!: () => void;
    const acceptedOnce = new Promise<void>((resolve) => { accepted = resolve; });
    smtp.holdAcknowledgement = () => { accepted(); return new Promise<void>((resolve) => { release = resolve; }); };

    const first = await startWorker();
    await track(services, profileId, 'Crash Mail');
    await acceptedOnce; // the SMTP server has the whole message; its "250 OK" is held
    await first.stop('SIGKILL');
    smtp.holdAcknowledgement = undefined;
    release();
    const message = await services.db.selectFrom('messages').selectAll().where('journey_id', '=', journeyId).executeTakeFirstOrThrow();
    expect(message.status).toBe('sending');

    const second = await startWorker();
    await eventually(async () => (await services.db.selectFrom('messages').select('status').where('id', '=', message.id).executeTakeFirstOrThrow()).status === 'sent', { timeout: 30_000, message: 'the message to be sent' });
    expect(smtp.received).toBe(2);          // offered twice…
    expect(smtp.messages).toHaveLength(1);  // …received once
    expect(smtp.messages[0].messageId).toContain(message.idempotency_key);
    await second.stop();
  });

  it('a worker SIGKILLed while a webhook target is answering delivers the webhook once', async () => {
    await sql`UPDATE workspaces SET settings = jsonb_set(settings, '{channels}', ${JSON.stringify({ webhook: { allowHosts: ['127.0.0.1'], timeoutSeconds: 30 } })}::jsonb) WHERE id = ${services.defaultWorkspaceId}`.execute(services.db);
    const journeyId = await publishGraph(services, buildGraph([{ id: 't', type: 'trigger.event', config: { event: 'Crash Hook' } }, { id: 'w', type: 'touchpoint.webhook', config: { url: `${hooks.url}/orders`, body: '{"order": "{{ event.orderId }}"}' } }], [['t', 'w']]));
    const profileId = await createProfile(services, {});
    let release!: () => void;
    let arrived!: () => void;
    const arrivedOnce = new Promise<void>((resolve) => { arrived = resolve; });
    hooks.holdResponse = () => { arrived(); return new Promise<void>((resolve) => { release = resolve; }); };

    const first = await startWorker();
    await track(services, profileId, 'Crash Hook', { orderId: 'A-17' });
    await arrivedOnce; // the target has acted on the request; its answer is held
    await first.stop('SIGKILL');
    hooks.holdResponse = undefined;
    release();
    const message = await services.db.selectFrom('messages').selectAll().where('journey_id', '=', journeyId).executeTakeFirstOrThrow();
    expect(message.status).toBe('sending');

    const second = await startWorker();
    await eventually(async () => (await services.db.selectFrom('messages').select('status').where('id', '=', message.id).executeTakeFirstOrThrow()).status === 'sent', { timeout: 30_000, message: 'the webhook to be recorded as sent' });
    const requests = hooks.requests.filter((request) => request.path === '/orders');
    expect(requests).toHaveLength(2);                                      // offered twice…
    expect(new Set(requests.map((request) => request.headers['idempotency-key']))).toEqual(new Set([message.idempotency_key]));
    expect(hooks.processed.filter((request) => request.path === '/orders')).toEqual([{ path: '/orders', body: '{"order": "A-17"}', idempotencyKey: message.idempotency_key }]); // …acted on once
    await second.stop();
  });
});
