// A worker killed after the SMTP server took a message but before the worker recorded it:
// after restart the message is offered again with the same Message-ID (its idempotency key),
// the provider drops the repeat, and the customer gets it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { buildGraph, createProfile, publishGraph, track } from '../support/engine-harness';
import { startSmtpSink, type SmtpSink } from '../support/sinks';
import { eventually } from '../support/test-database';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
let smtp: SmtpSink;
const workers: AppProcess[] = [];

beforeAll(async () => {
  services = await createTestServices();
  smtp = await startSmtpSink();
});
afterAll(async () => {
  for (const worker of workers) await worker.stop('SIGKILL');
  await smtp?.close();
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
});
