// Every built-in node type, one test per port it can take, run by the real engine on real Postgres.
import { sql } from 'kysely';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterJourney } from '../../server/engine/enter-journey';
import { defineNodeType } from '../../shared/node-type';
import {
  buildGraph,
  createProfile,
  drainSteps,
  fastForward,
  messagesOf,
  pathOf,
  publishGraph,
  runOf,
  track,
} from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';

let flakyCalls = 0;
const flaky = defineNodeType({
  type: 'test.flaky',
  version: 1,
  category: 'action',
  label: 'Flaky',
  description: 'fails the first N calls',
  icon: '⚠️',
  config: z.object({ failures: z.number().default(1) }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: () => 'flaky',
  execute: (_ctx, config) => {
    flakyCalls++;
    if (flakyCalls <= config.failures) throw new Error(`transient failure ${flakyCalls}`);
    return { port: 'out' };
  },
});
const refuse = defineNodeType({
  type: 'test.refuse',
  version: 1,
  category: 'action',
  label: 'Refuse',
  description: 'fails the run',
  icon: '⛔',
  config: z.object({}),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: () => 'refuse',
  execute: (ctx) => ctx.fail('customer is on the do-not-contact list'),
});

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices({ extraNodeTypes: [flaky, refuse] });
});
afterAll(async () => {
  await services?.close();
});

const trigger = (event = 'Go', where?: unknown) => ({
  id: 't',
  type: 'trigger.event',
  config: { event, ...(where ? { where } : {}) },
});
const email = (id = 'm', subject = 'Hello') => ({
  id,
  type: 'touchpoint.email',
  config: { subject, html: '<p>Hi {{ profile.firstName }}</p>' },
});
const ifTrait = (path: string, op: string, value: unknown) => ({
  id: 'c',
  type: 'condition.if',
  config: { condition: { match: 'all', rules: [{ kind: 'attribute', source: 'trait', path, op, value }] } },
});

let eventCounter = 0;
/** Publishes the graph with its trigger on an event of its own, so tests don't start each other's journeys. */
async function runThrough(
  graph: ReturnType<typeof buildGraph>,
  traits: Record<string, unknown> = {},
  properties: Record<string, unknown> = {},
  tags: string[] = [],
) {
  const event = `Go ${++eventCounter}`;
  graph.nodes.find((node) => node.id === 't')!.config.event = event;
  const journeyId = await publishGraph(services, graph);
  const profileId = await createProfile(services, traits);
  if (tags.length)
    await services.db.updateTable('profiles').set({ tags }).where('id', '=', profileId).execute();
  await track(services, profileId, event, properties);
  await drainSteps(services);
  const run = await runOf(services, journeyId, profileId);
  return { journeyId, profileId, run, path: await pathOf(services, run.id) };
}

describe('triggers', () => {
  it('an event trigger starts a run and takes "out"; its filter keeps others out', async () => {
    const where = {
      match: 'all',
      rules: [{ kind: 'attribute', source: 'event', path: 'total', op: 'gt', value: 100 }],
    };
    const journeyId = await publishGraph(
      services,
      buildGraph([trigger('Cart Abandoned', where), email()], [['t', 'm']]),
    );
    const big = await createProfile(services);
    const small = await createProfile(services);
    expect((await track(services, big, 'Cart Abandoned', { total: 150 })).runsStarted).toHaveLength(1);
    expect((await track(services, small, 'Cart Abandoned', { total: 50 })).runsStarted).toHaveLength(0);
    await drainSteps(services);
    const run = await runOf(services, journeyId, big);
    expect(await pathOf(services, run.id)).toEqual(['t:out', 'm:out']);
    expect(run.status).toBe('completed');
  });

  it.each(['trigger.segment', 'trigger.recurring', 'trigger.threshold', 'trigger.health'])(
    '%s starts runs through the one engine entry and takes "out"',
    async (type) => {
      const config =
        type === 'trigger.threshold' ? { measure: 'count', event: 'Order Completed', value: 10 } : {};
      const journeyId = await publishGraph(
        services,
        buildGraph([{ id: 't', type, config }, email()], [['t', 'm']]),
      );
      const profileId = await createProfile(services);
      const entered = await services.db.transaction().execute((trx) =>
        enterJourney(trx, services.boss, {
          workspaceId: services.defaultWorkspaceId,
          journeyId,
          profileId,
          event: null,
        }),
      );
      expect(entered.entered).toBe(true);
      await drainSteps(services);
      expect(await pathOf(services, (await runOf(services, journeyId, profileId)).id)).toEqual([
        't:out',
        'm:out',
      ]);
    },
  );
});

describe('waits', () => {
  it('a delay parks the run and goes on by "out" when the time has come', async () => {
    const { journeyId, profileId, run } = await runThrough(
      buildGraph(
        [
          trigger(),
          { id: 'w', type: 'wait.delay', config: { duration: { amount: 2, unit: 'days' } } },
          email(),
        ],
        [
          ['t', 'w'],
          ['w', 'm'],
        ],
      ),
    );
    expect(run.status).toBe('waiting');
    expect(run.wake_at!.getTime()).toBeGreaterThan(Date.now() + 47 * 3_600_000);
    expect(await messagesOf(services, run.id)).toHaveLength(0);
    await fastForward(services);
    const after = await runOf(services, journeyId, profileId);
    expect(await pathOf(services, after.id)).toEqual(['t:out', 'w:out', 'm:out']);
    expect(after.status).toBe('completed');
  });

  it('a short delay runs on the queue by itself, without a sweep', async () => {
    const { journeyId, profileId, run } = await runThrough(
      buildGraph(
        [
          trigger(),
          { id: 'w', type: 'wait.delay', config: { duration: { amount: 1, unit: 'seconds' } } },
          email(),
        ],
        [
          ['t', 'w'],
          ['w', 'm'],
        ],
      ),
    );
    expect(run.status).toBe('waiting');
    expect(run.wake_at).toBeNull();
    const deadline = Date.now() + 10_000;
    while ((await runOf(services, journeyId, profileId)).status !== 'completed' && Date.now() < deadline)
      await drainSteps(services);
    expect((await runOf(services, journeyId, profileId)).status).toBe('completed');
  });

  it("wait until a time of day resumes at that time in the customer's timezone", async () => {
    const { journeyId, profileId, run } = await runThrough(
      buildGraph(
        [trigger(), { id: 'w', type: 'wait.until', config: { time: '08:00' } }, email()],
        [
          ['t', 'w'],
          ['w', 'm'],
        ],
      ),
      { timezone: 'Asia/Tokyo' },
    );
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Tokyo',
      hour: '2-digit',
      minute: '2-digit',
    }).format(run.wake_at!);
    expect(local).toBe('08:00');
    await fastForward(services);
    expect(await pathOf(services, (await runOf(services, journeyId, profileId)).id)).toEqual([
      't:out',
      'w:out',
      'm:out',
    ]);
  });

  const waitForOrder = () =>
    buildGraph(
      [
        trigger(),
        {
          id: 'w',
          type: 'wait.event',
          config: { event: 'Order Completed', timeout: { amount: 3, unit: 'days' } },
        },
        email('thanks', 'Thanks'),
        email('nudge', 'Still there?'),
      ],
      [
        ['t', 'w'],
        ['w', 'thanks', 'event'],
        ['w', 'nudge', 'timeout'],
      ],
    );

  it('wait for event: the event comes first → "event"; the later timeout changes nothing', async () => {
    const { journeyId, profileId, run } = await runThrough(waitForOrder());
    expect(run.status).toBe('waiting');
    expect((await track(services, profileId, 'Order Completed', { total: 80 })).waitsResumed).toBe(1);
    await drainSteps(services);
    await sql`UPDATE runs SET wake_at = now() WHERE id = ${run.id}`.execute(services.db);
    await fastForward(services);
    expect(await pathOf(services, run.id)).toEqual(['t:out', 'w:event', 'thanks:out']);
    expect(
      (await messagesOf(services, run.id)).map((m) => (m.content as { subject: string }).subject),
    ).toEqual(['Thanks']);
    expect((await runOf(services, journeyId, profileId)).status).toBe('completed');
  });

  it('wait for event: no event → "timeout"; an event after it resumes nothing', async () => {
    const { profileId, run } = await runThrough(waitForOrder());
    await fastForward(services);
    expect((await track(services, profileId, 'Order Completed')).waitsResumed).toBe(0);
    await drainSteps(services);
    expect(await pathOf(services, run.id)).toEqual(['t:out', 'w:timeout', 'nudge:out']);
  });

  it('wait for event: the event and the timeout racing in the same batch move the run once', async () => {
    const { profileId, run } = await runThrough(waitForOrder());
    await sql`UPDATE runs SET wake_at = now() - interval '1 second' WHERE id = ${run.id}`.execute(
      services.db,
    );
    await track(services, profileId, 'Order Completed');
    await fastForward(services);
    const path = await pathOf(services, run.id);
    expect(path).toEqual(['t:out', 'w:event', 'thanks:out']);
    expect(await messagesOf(services, run.id)).toHaveLength(1);
  });
});

describe('conditions', () => {
  const ifGraph = () =>
    buildGraph(
      [trigger(), ifTrait('plan', 'eq', 'pro'), email('yes'), email('no')],
      [
        ['t', 'c'],
        ['c', 'yes', 'yes'],
        ['c', 'no', 'no'],
      ],
    );

  it('if/else takes "yes" when the trait matches', async () => {
    expect((await runThrough(ifGraph(), { plan: 'pro' })).path).toEqual(['t:out', 'c:yes', 'yes:out']);
  });

  it('if/else takes "no" when it does not', async () => {
    expect((await runThrough(ifGraph(), { plan: 'free' })).path).toEqual(['t:out', 'c:no', 'no:out']);
  });

  it('if/else reads event history ("ordered in the last 30 days") and trigger-event properties', async () => {
    const condition = {
      match: 'all',
      rules: [
        { kind: 'eventHistory', event: 'Order Completed', op: 'gte', count: 1, withinDays: 30 },
        { kind: 'attribute', source: 'event', path: 'total', op: 'gte', value: 100 },
      ],
    };
    const graph = buildGraph(
      [
        trigger('History'),
        { id: 'c', type: 'condition.if', config: { condition } },
        email('yes'),
        email('no'),
      ],
      [
        ['t', 'c'],
        ['c', 'yes', 'yes'],
        ['c', 'no', 'no'],
      ],
    );
    const journeyId = await publishGraph(services, graph);
    const buyer = await createProfile(services);
    await track(services, buyer, 'Order Completed', {}, new Date(Date.now() - 5 * 86_400_000));
    const oldBuyer = await createProfile(services);
    await track(services, oldBuyer, 'Order Completed', {}, new Date(Date.now() - 90 * 86_400_000));
    await track(services, buyer, 'History', { total: 150 });
    await track(services, oldBuyer, 'History', { total: 150 });
    await drainSteps(services);
    expect(await pathOf(services, (await runOf(services, journeyId, buyer)).id)).toEqual([
      't:out',
      'c:yes',
      'yes:out',
    ]);
    expect(await pathOf(services, (await runOf(services, journeyId, oldBuyer)).id)).toEqual([
      't:out',
      'c:no',
      'no:out',
    ]);
  });

  const splitGraph = () =>
    buildGraph(
      [
        trigger(),
        {
          id: 's',
          type: 'condition.split',
          config: {
            branches: [
              {
                id: 'gold',
                label: 'Gold',
                condition: {
                  match: 'all',
                  rules: [{ kind: 'attribute', source: 'trait', path: 'spend', op: 'gte', value: 1000 }],
                },
              },
              {
                id: 'silver',
                label: 'Silver',
                condition: {
                  match: 'all',
                  rules: [{ kind: 'attribute', source: 'trait', path: 'spend', op: 'gte', value: 100 }],
                },
              },
            ],
          },
        },
        email('gold'),
        email('silver'),
        email('other'),
      ],
      [
        ['t', 's'],
        ['s', 'gold', 'gold'],
        ['s', 'silver', 'silver'],
        ['s', 'other', 'else'],
      ],
    );

  it('a multi-way split takes the first matching branch', async () => {
    expect((await runThrough(splitGraph(), { spend: 5000 })).path).toEqual(['t:out', 's:gold', 'gold:out']);
    expect((await runThrough(splitGraph(), { spend: 500 })).path).toEqual([
      't:out',
      's:silver',
      'silver:out',
    ]);
  });

  it('a multi-way split takes "else" when nothing matches', async () => {
    expect((await runThrough(splitGraph(), { spend: 5 })).path).toEqual(['t:out', 's:else', 'other:out']);
  });

  it('an A/B split sends customers to "a" and "b" by percentage, and the same customer always to the same', async () => {
    const graph = buildGraph(
      [
        trigger(),
        {
          id: 'ab',
          type: 'condition.ab',
          config: {
            variants: [
              { id: 'a', label: 'A', percent: 30 },
              { id: 'b', label: 'B', percent: 70 },
            ],
          },
        },
        email('a'),
        email('b'),
      ],
      [
        ['t', 'ab'],
        ['ab', 'a', 'a'],
        ['ab', 'b', 'b'],
      ],
    );
    graph.nodes[0].config.event = 'AB';
    const journeyId = await publishGraph(services, graph, { entryRule: 'always' });
    const profiles = await Promise.all(Array.from({ length: 400 }, () => createProfile(services)));
    for (const profileId of profiles) await track(services, profileId, 'AB');
    await drainSteps(services);
    const ports = await services.db
      .selectFrom('steps')
      .select(['port', sql<number>`count(*)`.as('n')])
      .where('journey_id', '=', journeyId)
      .where('node_id', '=', 'ab')
      .groupBy('port')
      .execute();
    const counts = Object.fromEntries(ports.map((row) => [row.port, Number(row.n)]));
    expect(counts.a + counts.b).toBe(400);
    expect(counts.a).toBeGreaterThan(80);
    expect(counts.a).toBeLessThan(160);
    // Sticky: a second entry takes the same variant.
    const first = await runOf(services, journeyId, profiles[0]);
    await track(services, profiles[0], 'AB');
    await drainSteps(services);
    const second = await runOf(services, journeyId, profiles[0]);
    expect(second.id).not.toBe(first.id);
    expect((await pathOf(services, second.id))[1]).toBe((await pathOf(services, first.id))[1]);
  });

  it('a holdout keeps its share out ("holdout") and lets the rest through ("out")', async () => {
    const graph = (percent: number) =>
      buildGraph(
        [trigger(), { id: 'h', type: 'condition.holdout', config: { percent } }, email()],
        [
          ['t', 'h'],
          ['h', 'm'],
        ],
      );
    expect((await runThrough(graph(100))).path).toEqual(['t:out', 'h:holdout']);
    expect((await runThrough(graph(0))).path).toEqual(['t:out', 'h:out', 'm:out']);
  });
});

describe('touchpoints write the outbox once, addressed from the profile', () => {
  it.each([
    ['touchpoint.email', { subject: 'Hi', html: '<p>x</p>' }, 'email', 'ann@example.com'],
    ['touchpoint.sms', { body: 'Hi' }, 'sms', '+41790000000'],
    ['touchpoint.push', { title: 'Hi' }, 'push', 'user:touchpoint.push'],
    [
      'touchpoint.webhook',
      { url: 'https://crm.example.com/hook' },
      'webhook',
      'https://crm.example.com/hook',
    ],
  ])('%s takes "out" and queues one %s message', async (type, config, channel, recipient) => {
    const journeyId = await publishGraph(
      services,
      buildGraph([trigger(type), { id: 'm', type, config }], [['t', 'm']]),
    );
    const profileId = await createProfile(
      services,
      { email: 'ann@example.com', phone: '+41790000000' },
      `user:${type}`,
    );
    await track(services, profileId, type);
    await drainSteps(services);
    const run = await runOf(services, journeyId, profileId);
    expect(await pathOf(services, run.id)).toEqual(['t:out', 'm:out']);
    const messages = await messagesOf(services, run.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      channel,
      recipient,
      status: 'queued',
      idempotency_key: `${run.id}:m:1`,
    });
  });

  it('keeps quotes, backslashes, braces, line breaks and non-Latin text intact in the run and its message', async () => {
    const tricky = 'say "hi" \\ {ok}, NULL\nzweite Zeile — ünïcødé 日本 😀';
    const graph = buildGraph(
      [
        trigger(),
        { id: 'd', type: 'wait.delay', config: { duration: { amount: 0, unit: 'seconds' } } },
        {
          id: 'm',
          type: 'touchpoint.email',
          config: { subject: `Re: ${tricky}`, html: '<p class="x">{{ event.properties.note }}</p>' },
        },
      ],
      [
        ['t', 'd'],
        ['d', 'm'],
      ],
    );
    const { run, path } = await runThrough(
      graph,
      { email: 'quotes@example.com' },
      { note: tricky, nested: { list: [tricky, null] } },
    );
    expect(path).toEqual(['t:out', 'd:out', 'm:out']);
    const stored = await services.db
      .selectFrom('runs')
      .select('context')
      .where('id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect((stored.context as { event: { properties: unknown } }).event.properties).toEqual({
      note: tricky,
      nested: { list: [tricky, null] },
    });
    const [message] = await messagesOf(services, run.id);
    expect(message.content).toMatchObject({
      subject: `Re: ${tricky}`,
      html: '<p class="x">{{ event.properties.note }}</p>',
    });
  });
});

describe('actions', () => {
  it('update profile sets and clears traits, adds and removes tags, and takes "out"', async () => {
    const graph = buildGraph(
      [
        trigger(),
        {
          id: 'u',
          type: 'action.update-profile',
          config: {
            operations: [
              { op: 'set', trait: 'tier', value: 'vip' },
              { op: 'unset', trait: 'churnRisk' },
              { op: 'addTag', tag: 'vip' },
              { op: 'removeTag', tag: 'new' },
            ],
          },
        },
        ifTrait('tier', 'eq', 'vip'),
        email('yes'),
        email('no'),
      ],
      [
        ['t', 'u'],
        ['u', 'c'],
        ['c', 'yes', 'yes'],
        ['c', 'no', 'no'],
      ],
    );
    const { profileId, path } = await runThrough(graph, { churnRisk: true }, {}, ['new', 'b2b']);
    // The condition right after sees the trait the run just set.
    expect(path).toEqual(['t:out', 'u:out', 'c:yes', 'yes:out']);
    const profile = await services.db
      .selectFrom('profiles')
      .select(['traits', 'tags'])
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    expect(profile.traits).toMatchObject({ tier: 'vip' });
    expect(profile.traits).not.toHaveProperty('churnRisk');
    expect(profile.tags).toEqual(['b2b', 'vip']);
  });

  it('start journey puts the customer into the other journey and takes "out"', async () => {
    const target = await publishGraph(
      services,
      buildGraph(
        [{ id: 't', type: 'trigger.event', config: { event: 'Never sent' } }, email('welcome')],
        [['t', 'welcome']],
      ),
    );
    const { profileId, path } = await runThrough(
      buildGraph(
        [trigger(), { id: 's', type: 'action.start-journey', config: { journeyId: target } }],
        [['t', 's']],
      ),
    );
    expect(path).toEqual(['t:out', 's:out']);
    await drainSteps(services);
    expect(await pathOf(services, (await runOf(services, target, profileId)).id)).toEqual([
      't:out',
      'welcome:out',
    ]);
  });

  it('goal reached marks the run converted and takes "out"', async () => {
    const { run, path } = await runThrough(
      buildGraph(
        [trigger(), { id: 'g', type: 'action.goal' }, email()],
        [
          ['t', 'g'],
          ['g', 'm'],
        ],
      ),
    );
    expect(path).toEqual(['t:out', 'g:out', 'm:out']);
    expect(run.converted_at).not.toBeNull();
  });

  it('exit ends the run there', async () => {
    const { run, path } = await runThrough(
      buildGraph([trigger(), { id: 'x', type: 'action.exit' }], [['t', 'x']]),
    );
    expect(path).toEqual(['t:out', 'x(exited)']);
    expect(run.status).toBe('exited');
  });
});

describe('exactly once, and failures', () => {
  it('gives runs and their outbox messages time-ordered ids (UUIDv7): newer ones sort after older ones', async () => {
    const first = await runThrough(buildGraph([trigger(), email()], [['t', 'm']]), {
      email: 'first@example.com',
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await runThrough(buildGraph([trigger(), email()], [['t', 'm']]), {
      email: 'second@example.com',
    });
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const [firstMessage] = await messagesOf(services, first.run.id);
    const [secondMessage] = await messagesOf(services, second.run.id);
    for (const id of [first.run.id, second.run.id, firstMessage.id, secondMessage.id]) expect(id).toMatch(v7);
    expect(first.run.id < second.run.id).toBe(true);
    expect(firstMessage.id < secondMessage.id).toBe(true);
  });

  it('records the steps of nodes named NULL and null as those names, not as missing', async () => {
    const odd = ['NULL', 'null', 'Null'];
    const graph = buildGraph(
      [
        trigger(),
        email(odd[0]),
        { id: odd[1], type: 'wait.delay', config: { duration: { amount: 0, unit: 'seconds' } } },
        email(odd[2]),
      ],
      [
        ['t', odd[0]],
        [odd[0], odd[1]],
        [odd[1], odd[2]],
      ],
    );
    const { run, path } = await runThrough(graph, { email: 'odd@example.com' });
    expect(path).toEqual(['t:out', `${odd[0]}:out`, `${odd[1]}:out`, `${odd[2]}:out`]);
    expect(run.status).toBe('completed');
    expect((await messagesOf(services, run.id)).map((message) => message.node_id)).toEqual([odd[0], odd[2]]);
  });

  it('a duplicate step job is a no-op', async () => {
    const { run } = await runThrough(buildGraph([trigger(), email()], [['t', 'm']]));
    await services.boss.insert([
      { name: 'waymark-steps', data: { runId: run.id, seq: 0 } },
      { name: 'waymark-steps', data: { runId: run.id, seq: 1 } },
    ]);
    await drainSteps(services);
    expect(await pathOf(services, run.id)).toEqual(['t:out', 'm:out']);
    expect(await messagesOf(services, run.id)).toHaveLength(1);
  });

  it('a node that throws is retried with backoff and then goes on; one that keeps failing fails its run only', async () => {
    flakyCalls = 0;
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [trigger('Flaky'), { id: 'f', type: 'test.flaky', config: { failures: 1 } }, email()],
        [
          ['t', 'f'],
          ['f', 'm'],
        ],
      ),
    );
    const profileId = await createProfile(services);
    await track(services, profileId, 'Flaky');
    await drainSteps(services);
    const retrying = await runOf(services, journeyId, profileId);
    expect(retrying).toMatchObject({ status: 'active', attempts: 1, error: 'transient failure 1' });
    await fastForward(services);
    const done = await runOf(services, journeyId, profileId);
    expect(done.status).toBe('completed');
    expect(await pathOf(services, done.id)).toEqual(['t:out', 'f:out', 'm:out']);

    flakyCalls = 0;
    const broken = await publishGraph(
      services,
      buildGraph(
        [trigger('Break'), { id: 'f', type: 'test.flaky', config: { failures: 100 } }],
        [['t', 'f']],
      ),
    );
    const healthy = await publishGraph(services, buildGraph([trigger('Break'), email()], [['t', 'm']]));
    const victim = await createProfile(services);
    await track(services, victim, 'Break');
    for (let attempt = 0; attempt < 6; attempt++) await fastForward(services);
    const failed = await runOf(services, broken, victim);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/transient failure/);
    expect(await pathOf(services, failed.id)).toEqual(['t:out', 'f(failed)']);
    expect((await runOf(services, healthy, victim)).status).toBe('completed');
  });

  it('ctx.fail fails the run at once with the reason kept', async () => {
    const { run } = await runThrough(buildGraph([trigger(), { id: 'r', type: 'test.refuse' }], [['t', 'r']]));
    expect(run).toMatchObject({
      status: 'failed',
      error: 'customer is on the do-not-contact list',
      attempts: 0,
    });
  });
});

describe('journeys over time', () => {
  it('entry rules: "never" lets a customer in once, "always" again after he finished; never two active runs', async () => {
    const graph = buildGraph(
      [trigger('Entry'), { id: 'w', type: 'wait.delay', config: { duration: { amount: 1, unit: 'days' } } }],
      [['t', 'w']],
    );
    const once = await publishGraph(services, graph, { entryRule: 'never' });
    const always = await publishGraph(services, graph, { entryRule: 'always' });
    const profileId = await createProfile(services);
    await track(services, profileId, 'Entry');
    await drainSteps(services);
    await track(services, profileId, 'Entry'); // still waiting in both: no second run
    await fastForward(services);
    await track(services, profileId, 'Entry'); // finished: "always" lets him in again
    await drainSteps(services);
    const count = async (journeyId: string) =>
      Number(
        (
          await services.db
            .selectFrom('runs')
            .select(sql<number>`count(*)`.as('n'))
            .where('journey_id', '=', journeyId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count(once)).toBe(1);
    expect(await count(always)).toBe(2);
    await expect(
      services.db
        .insertInto('runs')
        .values({
          workspace_id: services.defaultWorkspaceId,
          journey_id: always,
          version_id: (await runOf(services, always, profileId)).version_id,
          profile_id: profileId,
          current_node: 't',
        })
        .execute(),
    ).rejects.toThrow(/runs_one_active/);
  });

  it('a paused journey takes no one in and holds its waiting runs; resumed, they go on', async () => {
    const graph = buildGraph(
      [
        trigger('Pause'),
        { id: 'w', type: 'wait.delay', config: { duration: { amount: 1, unit: 'days' } } },
        email(),
      ],
      [
        ['t', 'w'],
        ['w', 'm'],
      ],
    );
    const journeyId = await publishGraph(services, graph);
    const inside = await createProfile(services);
    await track(services, inside, 'Pause');
    await drainSteps(services);
    const api = services.caller();
    await api.journeys.setStatus({ id: journeyId, action: 'pause' });
    const late = await createProfile(services);
    expect((await track(services, late, 'Pause')).runsStarted).toEqual([]);
    await fastForward(services);
    expect((await runOf(services, journeyId, inside)).status).toBe('waiting');
    await api.journeys.setStatus({ id: journeyId, action: 'resume' });
    await fastForward(services);
    expect((await runOf(services, journeyId, inside)).status).toBe('completed');
  });

  it('runs waiting in version 1 finish on version 1 after version 2 is published', async () => {
    const v1 = buildGraph(
      [
        trigger('Versions'),
        { id: 'w', type: 'wait.delay', config: { duration: { amount: 1, unit: 'days' } } },
        email('m', 'Version 1'),
      ],
      [
        ['t', 'w'],
        ['w', 'm'],
      ],
    );
    const journeyId = await publishGraph(services, v1);
    const early = await createProfile(services);
    await track(services, early, 'Versions');
    await drainSteps(services);
    const v2 = buildGraph(
      [
        trigger('Versions'),
        { id: 'w', type: 'wait.delay', config: { duration: { amount: 1, unit: 'days' } } },
        email('m2', 'Version 2'),
      ],
      [
        ['t', 'w'],
        ['w', 'm2'],
      ],
    );
    await services.caller().journeys.updateDraft({ id: journeyId, draft: v2 });
    await services.caller().journeys.publish({ id: journeyId });
    const late = await createProfile(services);
    await track(services, late, 'Versions');
    await drainSteps(services);
    await fastForward(services);
    const subjects = async (profileId: string) =>
      (await messagesOf(services, (await runOf(services, journeyId, profileId)).id)).map(
        (m) => (m.content as { subject: string }).subject,
      );
    expect(await subjects(early)).toEqual(['Version 1']);
    expect(await subjects(late)).toEqual(['Version 2']);
  });
});
