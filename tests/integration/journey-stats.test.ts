// A seeded journey with known paths gives exactly the expected counts per node, port, branch and
// variant, and the expected conversions — from the rollup, not from a scan of the steps.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableBucket } from '../../shared/bucket';
import {
  buildGraph,
  createProfile,
  drainSteps,
  fastForward,
  publishGraph,
  track,
} from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

describe('journey stats', () => {
  it('count every node, port, branch and variant exactly, with conversions after each node', async () => {
    const graph = buildGraph(
      [
        { id: 't', type: 'trigger.event', config: { event: 'Stats Go' } },
        {
          id: 'ab',
          type: 'condition.ab',
          config: {
            variants: [
              { id: 'a', label: 'A', percent: 50 },
              { id: 'b', label: 'B', percent: 50 },
            ],
          },
        },
        {
          id: 'vip',
          type: 'condition.if',
          config: {
            condition: {
              match: 'all',
              rules: [{ kind: 'attribute', source: 'trait', path: 'vip', op: 'eq', value: true }],
            },
          },
        },
        { id: 'mail-vip', type: 'touchpoint.email', config: { subject: 'For our VIPs' } },
        { id: 'goal', type: 'action.goal' },
        { id: 'out', type: 'action.exit' },
        {
          id: 'wait',
          type: 'wait.event',
          config: { event: 'Order Completed', timeout: { amount: 3, unit: 'days' } },
        },
        { id: 'thanks', type: 'touchpoint.email', config: { subject: 'Thanks' } },
        { id: 'nudge', type: 'touchpoint.email', config: { subject: 'Still thinking?' } },
      ],
      [
        ['t', 'ab'],
        ['ab', 'vip', 'a'],
        ['ab', 'wait', 'b'],
        ['vip', 'mail-vip', 'yes'],
        ['vip', 'out', 'no'],
        ['mail-vip', 'goal'],
        ['wait', 'thanks', 'event'],
        ['wait', 'nudge', 'timeout'],
      ],
    );
    const journeyId = await publishGraph(services, graph);
    await services.caller().journeys.setGoal({
      id: journeyId,
      goal: { event: 'Order Completed', windowDays: 7, exitOnConversion: false },
    });

    const customers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => createProfile(services, { vip: i % 4 === 0 })),
    );
    const variant = (profileId: string) =>
      stableBucket(profileId, `${journeyId}:ab`) * 100 < 50 ? 'a' : 'b';
    const inA = customers.filter((id) => variant(id) === 'a');
    const inB = customers.filter((id) => variant(id) === 'b');
    const vipA = inA.filter((id) => customers.indexOf(id) % 4 === 0);
    for (const id of customers) await track(services, id, 'Stats Go');
    await drainSteps(services);
    const buyers = inB.filter((_, index) => index % 2 === 0);
    for (const id of buyers) await track(services, id, 'Order Completed', { total: 50 });
    await drainSteps(services);
    await fastForward(services);
    expect(inA.length).toBeGreaterThan(5);
    expect(inB.length).toBeGreaterThan(5);

    const stats = await services.caller().stats.journey({ journeyId });
    const n = stats.nodes;
    expect(stats.entries).toBe(40);
    expect(stats.converted).toBe(vipA.length + buyers.length);
    expect(n.t).toMatchObject({ entered: 40, ports: { out: { passed: 40 } } });
    expect(n.ab.entered).toBe(40);
    expect(n.ab.ports.a).toMatchObject({ passed: inA.length, converted: vipA.length });
    expect(n.ab.ports.b).toMatchObject({ passed: inB.length, converted: buyers.length });
    expect(n.ab.ports.b.test).toBeDefined();
    expect(n.vip.ports).toMatchObject({
      yes: { passed: vipA.length, converted: vipA.length },
      no: { passed: inA.length - vipA.length, converted: 0 },
    });
    expect(n.goal).toMatchObject({ entered: vipA.length, converted: vipA.length, conversionRate: 1 });
    expect(n.out).toMatchObject({
      entered: inA.length - vipA.length,
      exited: inA.length - vipA.length,
      converted: 0,
    });
    expect(n.wait).toMatchObject({ entered: inB.length, waiting: 0, converted: buyers.length });
    expect(n.wait.ports.event.passed).toBe(buyers.length);
    expect(n.wait.ports.timeout.passed).toBe(inB.length - buyers.length);
    expect(n.thanks.messages).toEqual({ queued: buyers.length });
    // First/last touch: a VIP's only touchpoint is mail-vip; buyers converted before any email.
    expect(n['mail-vip']).toMatchObject({ firstTouch: vipA.length, lastTouch: vipA.length });
    expect(n.thanks.firstTouch).toBeUndefined();
    expect(n.nudge.entered).toBe(inB.length - buyers.length);
    expect(n.t.conversionRate).toBeCloseTo((vipA.length + buyers.length) / 40);
    expect(stats.entriesByDay.reduce((sum, day) => sum + day.entries, 0)).toBe(40);

    // The rollup agrees with the step log it summarises.
    const fromSteps = await sql<{
      node_id: string;
      n: number;
    }>`SELECT node_id, count(*)::int AS n FROM steps WHERE journey_id = ${journeyId} GROUP BY node_id`.execute(
      services.db,
    );
    for (const row of fromSteps.rows)
      expect({ node: row.node_id, entered: n[row.node_id].entered }).toEqual({
        node: row.node_id,
        entered: row.n,
      });

    const csv = await services.caller().stats.csv({ journeyId });
    expect(csv.split('\n')[0]).toBe(
      'node,label,port,entered,waiting,passed,exited,failed,converted,conversion_rate',
    );
    expect(csv).toContain(`"ab","condition.ab","b",,,${inB.length},,,${buyers.length}`);

    const atWait = await services.caller().stats.nodeCustomers({ journeyId, nodeId: 'wait' });
    expect(atWait.customers).toHaveLength(inB.length);
    const someone = await services.db
      .selectFrom('profiles')
      .select('user_id')
      .where('id', '=', buyers[0])
      .executeTakeFirstOrThrow();
    const found = await services
      .caller()
      .stats.nodeCustomers({ journeyId, nodeId: 'wait', search: someone.user_id! });
    expect(found.customers.map((c) => c.port)).toEqual(['event']);

    const path = (await services.caller().profiles.get({ id: buyers[0] })).runs.find(
      (run) => run.journey_id === journeyId,
    )!.path;
    expect(path.map((step) => `${step.node_id}:${step.port}`)).toEqual([
      't:out',
      'ab:b',
      'wait:event',
      'thanks:out',
    ]);
  });

  it('a goal with "exit when converted" ends the waiting run and counts it on the node', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Exit Go' } },
          { id: 'wait', type: 'wait.delay', config: { duration: { amount: 5, unit: 'days' } } },
          { id: 'mail', type: 'touchpoint.email', config: { subject: 'Too late' } },
        ],
        [
          ['t', 'wait'],
          ['wait', 'mail'],
        ],
      ),
    );
    await services.caller().journeys.setGoal({
      id: journeyId,
      goal: { event: 'Signed Contract', windowDays: 30, exitOnConversion: true },
    });
    const profileId = await createProfile(services);
    await track(services, profileId, 'Exit Go');
    await drainSteps(services);
    await track(services, profileId, 'Signed Contract');
    await fastForward(services);
    const run = await services.db
      .selectFrom('runs')
      .selectAll()
      .where('journey_id', '=', journeyId)
      .executeTakeFirstOrThrow();
    expect(run.status).toBe('exited');
    expect(run.converted_at).not.toBeNull();
    const stats = await services.caller().stats.journey({ journeyId });
    expect(stats.nodes.wait).toMatchObject({ entered: 1, waiting: 0, exited: 1, converted: 1 });
    expect(stats.nodes.mail).toBeUndefined();
  });
});
