// Events in the order they happened: the canonical abandoned-cart journey gives the same result
// however the customer's events were batched — in one call, in two calls 20 ms apart, while the
// run is still on its way to its wait, or while the transaction creating that wait is still open.
import { randomUUID } from 'node:crypto';
import { Analytics } from '@segment/analytics-node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEnvironment } from '../../server/channels/channel-context';
import { deliverDueMessages } from '../../server/channels/delivery';
import { runStepBatch } from '../../server/engine/step-batch';
import { startHttpServer } from '../../server/http/http-server';
import { ingestMessages } from '../../server/ingest/ingest-messages';
import { createWriteKey } from '../../server/ingest/write-keys';
import type { StepJob } from '../../server/queue/job-queue';
import type { SegmentMessage } from '../../server/ingest/segment-messages';
import { buildGraph, drainSteps, fastForward, pathOf, publishGraph } from '../support/engine-harness';
import { startSmtpSink, type SmtpSink } from '../support/sinks';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
let smtp: SmtpSink;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let environment: DeliveryEnvironment;

beforeAll(async () => {
  services = await createTestServices();
  services.secret = 'a-test-signing-secret-of-enough-length';
  smtp = await startSmtpSink();
  server = await startHttpServer(services, { port: 0, host: '127.0.0.1', clientDir: '/nonexistent' });
  environment = {
    publicUrl: server.url,
    secret: services.secret,
    defaultSmtpUrl: smtp.url,
    defaultFrom: 'Shop <shop@example.com>',
  };
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await services?.close();
});

/** Cart Abandoned → wait up to 1 h for Order Completed → exit, or → reminder. Goal: an order within 7 days. */
async function abandonedCart(): Promise<{ journeyId: string; event: string }> {
  const event = `Cart Abandoned ${randomUUID().slice(0, 8)}`;
  const journeyId = await publishGraph(
    services,
    buildGraph(
      [
        { id: 'trigger', type: 'trigger.event', config: { event } },
        {
          id: 'wait',
          type: 'wait.event',
          config: { event: 'Order Completed', timeout: { amount: 1, unit: 'hours' } },
        },
        { id: 'done', type: 'action.exit' },
        {
          id: 'reminder',
          type: 'touchpoint.email',
          config: { subject: 'You left something in your cart', html: '<p>Your cart is waiting</p>' },
        },
      ],
      [
        ['trigger', 'wait'],
        ['wait', 'done', 'event'],
        ['wait', 'reminder', 'timeout'],
      ],
    ),
  );
  await services.caller().journeys.setGoal({
    id: journeyId,
    goal: { event: 'Order Completed', windowDays: 7, exitOnConversion: false },
  });
  return { journeyId, event };
}

const track = (
  userId: string,
  event: string,
  at: Date,
  properties: Record<string, unknown> = {},
): SegmentMessage => ({
  type: 'track',
  userId,
  event,
  properties,
  messageId: randomUUID(),
  timestamp: at.toISOString(),
});

async function send(...messages: SegmentMessage[]) {
  return ingestMessages(services, services.defaultWorkspaceId, messages);
}

async function outcome(journeyId: string, userId: string) {
  const run = await services.db
    .selectFrom('runs')
    .innerJoin('profiles', 'profiles.id', 'runs.profile_id')
    .select(['runs.id', 'runs.status', 'runs.converted_at'])
    .where('runs.journey_id', '=', journeyId)
    .where('profiles.user_id', '=', userId)
    .executeTakeFirstOrThrow();
  const messages = await services.db
    .selectFrom('messages')
    .select('node_id')
    .where('run_id', '=', run.id)
    .execute();
  return {
    path: await pathOf(services, run.id),
    messages: messages.map((message) => message.node_id),
    converted: run.converted_at !== null,
    run,
  };
}

const orderedPath = ['trigger:out', 'wait:event', 'done(exited)'];

describe('abandoned cart, in event time', () => {
  it('the order in the same batch as the abandoned cart: no reminder, converted, credited on the event port and the exit', async () => {
    const { journeyId, event } = await abandonedCart();
    const userId = `same-batch-${randomUUID()}`;
    const t0 = new Date(Date.now() - 5_000);
    await send(
      track(userId, event, t0),
      track(userId, 'Order Completed', new Date(t0.getTime() + 2_000), { total: 40 }),
    );
    await drainSteps(services);
    await fastForward(services);
    const result = await outcome(journeyId, userId);
    expect(result).toMatchObject({ path: orderedPath, messages: [], converted: true });
    expect(result.run.converted_at!.getTime()).toBe(t0.getTime() + 2_000);
    const stats = await services.caller().stats.journey({ journeyId });
    expect(stats.converted).toBe(1);
    expect(stats.nodes.wait.ports.event).toMatchObject({ passed: 1, converted: 1 });
    expect(stats.nodes.done).toMatchObject({ exited: 1, converted: 1 });
    expect(stats.nodes.reminder).toBeUndefined();
  });

  it('a batch sent out of order is applied in the order its events happened', async () => {
    const { journeyId, event } = await abandonedCart();
    const userId = `reversed-${randomUUID()}`;
    const t0 = new Date(Date.now() - 5_000);
    await send(track(userId, 'Order Completed', new Date(t0.getTime() + 2_000)), track(userId, event, t0));
    await drainSteps(services);
    await fastForward(services);
    expect(await outcome(journeyId, userId)).toMatchObject({
      path: orderedPath,
      messages: [],
      converted: true,
    });
  });

  it.each([
    { when: 'before the run reached its wait (the wait looks back)', drainBetween: false },
    { when: 'after the run reached its wait (the order resumes it)', drainBetween: true },
  ])('the order 20 ms later in a second call, $when: the same', async ({ drainBetween }) => {
    const { journeyId, event } = await abandonedCart();
    const userId = `second-call-${randomUUID()}`;
    const t0 = new Date();
    await send(track(userId, event, t0));
    if (drainBetween) {
      await drainSteps(services);
      expect((await outcome(journeyId, userId)).run.status).toBe('waiting');
    } else await new Promise((resolve) => setTimeout(resolve, 20));
    await send(track(userId, 'Order Completed', new Date(t0.getTime() + 20)));
    await drainSteps(services);
    await fastForward(services);
    expect(await outcome(journeyId, userId)).toMatchObject({
      path: orderedPath,
      messages: [],
      converted: true,
    });
    const stats = await services.caller().stats.journey({ journeyId });
    expect(stats.nodes.wait.ports.event).toMatchObject({ passed: 1, converted: 1 });
    expect(stats.nodes.done).toMatchObject({ converted: 1 });
  });

  it('the order after the timeout: one reminder, converted, the reminder the last touch', async () => {
    const { journeyId, event } = await abandonedCart();
    const userId = `late-order-${randomUUID()}`;
    const t0 = new Date();
    await send(track(userId, event, t0));
    await drainSteps(services);
    await fastForward(services);
    expect((await outcome(journeyId, userId)).messages).toEqual(['reminder']);
    // Two hours after the cart (the timeout was at one): it does not rewind the run, but it is the goal.
    await send(track(userId, 'Order Completed', new Date(t0.getTime() + 2 * 3_600_000)));
    await drainSteps(services);
    const result = await outcome(journeyId, userId);
    expect(result).toMatchObject({
      path: ['trigger:out', 'wait:timeout', 'reminder:out'],
      messages: ['reminder'],
      converted: true,
    });
    const stats = await services.caller().stats.journey({ journeyId });
    expect(stats.nodes.reminder).toMatchObject({ converted: 1, lastTouch: 1, firstTouch: 1 });
    expect(stats.nodes.wait.ports.timeout).toMatchObject({ passed: 1, converted: 1 });
  });

  it('no order: one reminder, not converted', async () => {
    const { journeyId, event } = await abandonedCart();
    const userId = `no-order-${randomUUID()}`;
    await send(track(userId, event, new Date()));
    await drainSteps(services);
    await fastForward(services);
    await fastForward(services);
    expect(await outcome(journeyId, userId)).toMatchObject({
      path: ['trigger:out', 'wait:timeout', 'reminder:out'],
      messages: ['reminder'],
      converted: false,
    });
  });

  it('an order before the cart was abandoned does not answer the wait', async () => {
    const { journeyId, event } = await abandonedCart();
    const userId = `order-before-${randomUUID()}`;
    const t0 = new Date(Date.now() - 5_000);
    await send(track(userId, 'Order Completed', new Date(t0.getTime() - 1_000)), track(userId, event, t0));
    await drainSteps(services);
    await fastForward(services);
    expect(await outcome(journeyId, userId)).toMatchObject({
      path: ['trigger:out', 'wait:timeout', 'reminder:out'],
      messages: ['reminder'],
      converted: false,
    });
  });
});

describe('no lost wake-up', () => {
  async function firstStepJob(runId: string): Promise<StepJob> {
    const row = await sql<{
      data: StepJob;
    }>`SELECT data FROM pgboss.job WHERE name = 'waymark-steps' AND state = 'created' AND data ->> 'runId' = ${runId}`.execute(
      services.db,
    );
    return row.rows[0].data;
  }

  it('an order stored while the transaction creating the wait is still open resumes that wait', async () => {
    const { journeyId, event } = await abandonedCart();
    const userId = `open-wait-${randomUUID()}`;
    const t0 = new Date();
    await send(track(userId, event, t0));
    const { run } = await outcome(journeyId, userId);
    const job = await firstStepJob(run.id);
    let ingest: Promise<unknown> | undefined;
    let ingestDone = false;
    await services.db.transaction().execute(async (trx) => {
      await runStepBatch(trx, services, [job]);
      // The wait exists in this transaction only; the order is sent now, from another connection.
      ingest = send(track(userId, 'Order Completed', new Date(t0.getTime() + 1_000))).then(() => {
        ingestDone = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Ingest waits for this transaction instead of passing the wait by.
      expect(ingestDone).toBe(false);
    });
    await ingest;
    await drainSteps(services);
    await fastForward(services);
    expect(await outcome(journeyId, userId)).toMatchObject({
      path: orderedPath,
      messages: [],
      converted: true,
    });
  });

  it('a wait created while an ingest transaction holding the order is still open finds the order once it commits', async () => {
    const { journeyId, event } = await abandonedCart();
    const userId = `open-ingest-${randomUUID()}`;
    const t0 = new Date();
    await send(track(userId, event, t0));
    const { run } = await outcome(journeyId, userId);
    const profile = await services.db
      .selectFrom('profiles')
      .select('id')
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    let engine: Promise<unknown> | undefined;
    let engineDone = false;
    // What ingest does: the profile FOR UPDATE, then the event, then commit.
    await services.db.transaction().execute(async (trx) => {
      await sql`SELECT id FROM profiles WHERE id = ${profile.id} FOR UPDATE`.execute(trx);
      await sql`INSERT INTO events (workspace_id, profile_id, type, name, properties, context, message_id, occurred_at, received_at)
        VALUES (${services.defaultWorkspaceId}, ${profile.id}, 'track', 'Order Completed', '{}', '{}', ${randomUUID()}, ${new Date(t0.getTime() + 1_000).toISOString()}, now())`.execute(
        trx,
      );
      engine = drainSteps(services).then(() => {
        engineDone = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(engineDone).toBe(false);
    });
    await engine;
    await fastForward(services);
    expect((await outcome(journeyId, userId)).path).toEqual(orderedPath);
    expect(run.status).toBe('active');
  });
});

describe('the official Segment Node client on its default batching', () => {
  it('Cart Abandoned, then Order Completed 2 s later, in one batch: no reminder reaches the SMTP server', async () => {
    const { journeyId, event } = await abandonedCart();
    const { key } = await createWriteKey(services.db, services.defaultWorkspaceId, 'segment-node');
    const userId = `segment-${randomUUID()}`;
    await services.db.transaction().execute(async (trx) => {
      const { resolveProfile } = await import('../../server/profiles/profile-store');
      const { changeTraits } = await import('../../server/profiles/trait-changes');
      await changeTraits(trx, services.boss, [
        {
          profileId: await resolveProfile(trx, services.defaultWorkspaceId, { userId }),
          set: { email: `${userId}@example.com` },
        },
      ]);
    });
    const requests: number[] = [];
    const analytics = new Analytics({ writeKey: key, host: server.url });
    analytics.on('http_request', (request) => {
      requests.push(JSON.parse(String(request.body)).batch.length);
    });
    analytics.track({ userId, event, properties: { cartUrl: 'https://shop.example.com/cart' } });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    analytics.track({ userId, event: 'Order Completed', properties: { total: 40 } });
    // Its default flush interval is 10 s: nothing has been sent yet; closing flushes the batch.
    expect(requests).toEqual([]);
    await analytics.closeAndFlush();
    expect(requests).toEqual([2]);

    const before = smtp.received;
    await drainSteps(services);
    await fastForward(services);
    while ((await deliverDueMessages(services, environment, 100)) > 0) {
      /* deliver all */
    }
    const result = await outcome(journeyId, userId);
    expect(result).toMatchObject({ path: orderedPath, messages: [], converted: true });
    expect(smtp.received).toBe(before);
    expect(smtp.messages.some((mail) => mail.to && JSON.stringify(mail.to).includes(userId))).toBe(false);
  });

  it('without the order, the reminder does reach the SMTP server', async () => {
    const { journeyId, event } = await abandonedCart();
    const { key } = await createWriteKey(services.db, services.defaultWorkspaceId, 'segment-node-2');
    const userId = `segment-no-order-${randomUUID()}`;
    const analytics = new Analytics({ writeKey: key, host: server.url });
    analytics.identify({ userId, traits: { email: `${userId}@example.com` } });
    analytics.track({ userId, event });
    await analytics.closeAndFlush();
    await drainSteps(services);
    await fastForward(services);
    while ((await deliverDueMessages(services, environment, 100)) > 0) {
      /* deliver all */
    }
    const { run, messages } = await outcome(journeyId, userId);
    expect(messages).toEqual(['reminder']);
    expect(
      await services.db
        .selectFrom('messages')
        .select(['status', 'error'])
        .where('run_id', '=', run.id)
        .execute(),
    ).toEqual([{ status: 'sent', error: null }]);
    expect(
      smtp.messages.filter((mail) => JSON.stringify(mail.to).includes(userId)).map((mail) => mail.subject),
    ).toEqual(['You left something in your cart']);
  });
});
