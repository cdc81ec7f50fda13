// A property of the engine: for random small journeys and random timestamped event streams of a
// few customers, each customer's path, messages and conversion are the same whether the stream is
// sent one event per call, all in one batch, or in random chunks with the worker pausing at random
// between them — and the same as the simulator's. Time is virtual (it starts tomorrow), so the
// test decides when each timer is due; the worker never fires a timer while an event that happened
// before it is still unsent (that event would be late, which is another rule).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOneBatch, wakeDueRuns } from '../../server/engine/worker';
import { ingestMessages } from '../../server/ingest/ingest-messages';
import type { SegmentMessage } from '../../server/ingest/segment-messages';
import type { JourneyGoal } from '../../server/db/schema';
import type { JourneyGraph } from '../../shared/graph';
import { simulate } from '../../shared/simulate';
import { buildGraph, createProfile, publishGraph } from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

const minute = 60_000;
type Middle =
  | { kind: 'delay'; minutes: number }
  | { kind: 'wait'; event: string; minutes: number }
  | { kind: 'history'; event: string }
  | { kind: 'email' }
  | { kind: 'goal' };

const middle: fc.Arbitrary<Middle> = fc.oneof(
  fc.record({ kind: fc.constant('delay' as const), minutes: fc.constantFrom(5, 20) }),
  fc.record({
    kind: fc.constant('wait' as const),
    event: fc.constantFrom('Order Completed', 'Page Viewed'),
    minutes: fc.constantFrom(10, 30),
  }),
  fc.record({
    kind: fc.constant('history' as const),
    event: fc.constantFrom('Order Completed', 'Page Viewed'),
  }),
  fc.record({ kind: fc.constant('email' as const) }),
  fc.record({ kind: fc.constant('goal' as const) }),
);

const journeyShape = fc.record({
  nodes: fc.array(middle, { minLength: 1, maxLength: 4 }),
  goal: fc.option(fc.record({ exitOnConversion: fc.boolean() }), { nil: null }),
});

/** A customer's events: seconds from the trigger (some before it: history), at distinct odd milliseconds, never on a timer's minute. */
const customerEvents = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom('Order Completed', 'Page Viewed'),
    second: fc.integer({ min: -20 * 60, max: 80 * 60 }),
    milli: fc.integer({ min: 1, max: 998 }),
  }),
  { maxLength: 4, selector: (event) => event.second * 1000 + event.milli },
);

const stream = fc.record({
  customers: fc.array(fc.record({ startSecond: fc.integer({ min: 0, max: 600 }), events: customerEvents }), {
    minLength: 1,
    maxLength: 3,
  }),
  mode: fc.record({
    chunks: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 12, maxLength: 12 }),
    pauses: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  }),
});

type Infer<A> = A extends fc.Arbitrary<infer T> ? T : never;

function journeyGraph(shape: Infer<typeof journeyShape>, trigger: string): JourneyGraph {
  const nodes: Array<{ id: string; type: string; config?: Record<string, unknown> }> = [
    { id: 'trigger', type: 'trigger.event', config: { event: trigger } },
  ];
  const edges: Array<[string, string, string?]> = [];
  let previous: [string, string] = ['trigger', 'out'];
  shape.nodes.forEach((node, index) => {
    const id = `n${index}`;
    if (node.kind === 'delay')
      nodes.push({ id, type: 'wait.delay', config: { duration: { amount: node.minutes, unit: 'minutes' } } });
    if (node.kind === 'wait')
      nodes.push({
        id,
        type: 'wait.event',
        config: { event: node.event, timeout: { amount: node.minutes, unit: 'minutes' } },
      });
    if (node.kind === 'history')
      nodes.push({
        id,
        type: 'condition.if',
        config: {
          condition: {
            match: 'all',
            rules: [{ kind: 'eventHistory', event: node.event, op: 'gte', count: 1, withinDays: 1 }],
          },
        },
      });
    if (node.kind === 'email')
      nodes.push({ id, type: 'touchpoint.email', config: { subject: `Mail ${index}` } });
    if (node.kind === 'goal') nodes.push({ id, type: 'action.goal' });
    edges.push([previous[0], id, previous[1]]);
    if (node.kind === 'wait') {
      nodes.push({ id: `${id}-late`, type: 'touchpoint.email', config: { subject: `Timed out ${index}` } });
      edges.push([id, `${id}-late`, 'timeout']);
      previous = [id, 'event'];
    } else if (node.kind === 'history') {
      nodes.push({ id: `${id}-no`, type: 'touchpoint.email', config: { subject: `Never ${index}` } });
      edges.push([id, `${id}-no`, 'no']);
      previous = [id, 'yes'];
    } else previous = [id, 'out'];
  });
  nodes.push({ id: 'last', type: 'touchpoint.email', config: { subject: 'Last' } });
  edges.push([previous[0], 'last', previous[1]]);
  return buildGraph(nodes, edges);
}

interface Outcome {
  path: string[];
  messages: string[];
  converted: boolean;
}

/** Makes every timer due at or before the virtual `clock` due now, and runs the worker at `clock` until nothing is due. */
async function workAt(clock: Date, journeyId: string): Promise<void> {
  const engine = { ...services, now: () => clock } as typeof services;
  for (let round = 0; round < 100; round++) {
    await sql`UPDATE runs SET wake_at = now() - interval '1 second' WHERE journey_id = ${journeyId} AND wake_at <= ${clock.toISOString()}`.execute(
      services.db,
    );
    await sql`UPDATE pgboss.job SET start_after = now() - interval '1 second' WHERE name = 'waymark-steps' AND state = 'created' AND start_after > now() AND start_after <= ${clock.toISOString()}`.execute(
      services.db,
    );
    while ((await wakeDueRuns(services, 1000)) > 0) {
      /* wake */
    }
    let ran = 0;
    while (true) {
      const fetched = await runOneBatch(engine, 50);
      if (fetched === 0) break;
      ran += fetched;
    }
    if (ran === 0) return;
  }
}

async function outcomes(journeyId: string, userIds: string[]): Promise<Outcome[]> {
  return Promise.all(
    userIds.map(async (userId) => {
      const run = await services.db
        .selectFrom('runs')
        .innerJoin('profiles', 'profiles.id', 'runs.profile_id')
        .select(['runs.id', 'runs.converted_at'])
        .where('runs.journey_id', '=', journeyId)
        .where('profiles.user_id', '=', userId)
        .executeTakeFirstOrThrow();
      const steps = await services.db
        .selectFrom('steps')
        .select(['node_id', 'port', 'outcome'])
        .where('run_id', '=', run.id)
        .orderBy('seq')
        .execute();
      const messages = await services.db
        .selectFrom('messages')
        .select('node_id')
        .where('run_id', '=', run.id)
        .orderBy('idempotency_key')
        .execute();
      return {
        path: steps.map((step) => `${step.node_id}:${step.port ?? step.outcome}`),
        messages: messages.map((m) => m.node_id!).sort(),
        converted: run.converted_at !== null,
      };
    }),
  );
}

type Mode = 'one-by-one' | 'one-batch' | 'chunks';

async function runThroughEngine(
  shape: Infer<typeof journeyShape>,
  input: Infer<typeof stream>,
  mode: Mode,
  base: number,
): Promise<Outcome[]> {
  const trigger = `Cart Abandoned ${randomUUID().slice(0, 8)}`;
  const journeyId = await publishGraph(services, journeyGraph(shape, trigger));
  if (shape.goal)
    await services.caller().journeys.setGoal({
      id: journeyId,
      goal: { event: 'Order Completed', windowDays: 1, exitOnConversion: shape.goal.exitOnConversion },
    });
  const userIds = await Promise.all(
    input.customers.map(async () => {
      const userId = `prop-${randomUUID()}`;
      await createProfile(services, { email: `${userId}@example.com` }, userId);
      return userId;
    }),
  );
  const all = input.customers
    .flatMap((customer, index) => {
      const start = base + customer.startSecond * 1000;
      return [
        {
          at: start,
          message: {
            type: 'track',
            userId: userIds[index],
            event: trigger,
            properties: {},
            messageId: randomUUID(),
            timestamp: new Date(start).toISOString(),
          } as SegmentMessage,
        },
        ...customer.events.map((event) => ({
          at: start + event.second * 1000 + event.milli,
          message: {
            type: 'track',
            userId: userIds[index],
            event: event.name,
            properties: {},
            messageId: randomUUID(),
            timestamp: new Date(start + event.second * 1000 + event.milli).toISOString(),
          } as SegmentMessage,
        })),
      ];
    })
    .sort((a, b) => a.at - b.at);
  const chunks: Array<typeof all> = [];
  if (mode === 'one-by-one') for (const item of all) chunks.push([item]);
  else if (mode === 'one-batch') chunks.push(all);
  else {
    let offset = 0;
    for (let i = 0; offset < all.length; i++) {
      const size = input.mode.chunks[i % input.mode.chunks.length];
      chunks.push(all.slice(offset, offset + size));
      offset += size;
    }
  }
  let clock = new Date(base - 30 * minute);
  for (const [index, chunk] of chunks.entries()) {
    // Timers due before the chunk's first event fire first (unless the worker is paused);
    // then the chunk arrives, when its last event has happened, in shuffled order for a batch.
    const paused = mode === 'chunks' && input.mode.pauses[index % input.mode.pauses.length];
    if (!paused) await workAt(new Date(Math.max(clock.getTime(), chunk[0].at - 1)), journeyId);
    clock = new Date(Math.max(clock.getTime(), chunk.at(-1)!.at));
    const messages =
      chunk.length > 1 ? [...chunk].reverse().map((item) => item.message) : chunk.map((item) => item.message);
    await ingestMessages(services, services.defaultWorkspaceId, messages);
    if (!paused && mode !== 'one-by-one') await workAt(clock, journeyId);
  }
  await workAt(new Date(clock.getTime() + 3 * 3_600_000), journeyId);
  return outcomes(journeyId, userIds);
}

async function runThroughSimulator(
  shape: Infer<typeof journeyShape>,
  input: Infer<typeof stream>,
  base: number,
): Promise<Outcome[]> {
  const graph = journeyGraph(shape, 'Cart Abandoned');
  const goal: JourneyGoal | null = shape.goal
    ? { event: 'Order Completed', windowDays: 1, exitOnConversion: shape.goal.exitOnConversion }
    : null;
  return Promise.all(
    input.customers.map(async (customer, index) => {
      const start = base + customer.startSecond * 1000;
      const events = customer.events.map((event) => ({
        name: event.name,
        at: new Date(start + event.second * 1000 + event.milli).toISOString(),
      }));
      const result = await simulate({
        graph,
        registry: services.registry,
        profile: { id: `sim-${index}`, userId: `sim-${index}`, traits: { email: 'sim@example.com' } },
        trigger: { name: 'Cart Abandoned' },
        start: new Date(start),
        goal,
        history: events.filter((event) => Date.parse(event.at) < start),
        events: events.filter((event) => Date.parse(event.at) > start),
      });
      return {
        path: result.steps.map((step) => `${step.nodeId}:${step.port ?? step.outcome}`),
        messages: result.steps
          .filter((step) => step.messages.length > 0 && step.outcome !== 'waiting')
          .map((step) => step.nodeId)
          .sort(),
        converted: result.converted,
      };
    }),
  );
}

describe('events in event time, however they are sent', () => {
  it('one per call, one batch, random chunks with worker pauses, and the simulator: the same path, messages and conversion', async () => {
    const base = Date.now() + 86_400_000;
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(journeyShape, stream, async (shape, input) => {
        const expected = await runThroughSimulator(shape, input, base + cases * 86_400_000 * 3);
        for (const mode of ['one-by-one', 'one-batch', 'chunks'] as const) {
          const got = await runThroughEngine(shape, input, mode, base + cases * 86_400_000 * 3);
          expect({ mode, outcomes: got }).toEqual({ mode, outcomes: expected });
        }
        cases++;
      }),
      { numRuns: 50, seed: Number(process.env.WAYMARK_PROPERTY_SEED ?? 20261203), endOnFailure: true },
    );
    expect(cases).toBe(50);
  }, 600_000);
});
