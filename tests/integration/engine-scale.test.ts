// 10,000 customers through trigger → split → wait → email → goal: exactly one step row per node
// visited and exactly one outbox message per email step.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildGraph,
  createProfiles,
  drainSteps,
  enterMany,
  fastForward,
  publishGraph,
} from '../support/engine-harness';
import { runOneBatch } from '../../server/engine/worker';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices({ poolSize: 6 });
});
afterAll(async () => {
  await services?.close();
});

describe('engine at scale', () => {
  it('10,000 customers finish with one step per node visited and one message per email step', async () => {
    const graph = buildGraph(
      [
        { id: 't', type: 'trigger.event', config: { event: 'Signed Up' } },
        {
          id: 'split',
          type: 'condition.ab',
          config: {
            variants: [
              { id: 'a', label: 'A', percent: 50 },
              { id: 'b', label: 'B', percent: 50 },
            ],
          },
        },
        { id: 'wait', type: 'wait.delay', config: { duration: { amount: 1, unit: 'days' } } },
        { id: 'mail-a', type: 'touchpoint.email', config: { subject: 'Welcome (A)' } },
        { id: 'mail-b', type: 'touchpoint.email', config: { subject: 'Welcome (B)' } },
        { id: 'goal', type: 'action.goal' },
      ],
      [
        ['t', 'split'],
        ['split', 'wait', 'a'],
        ['split', 'mail-b', 'b'],
        ['wait', 'mail-a'],
        ['mail-a', 'goal'],
        ['mail-b', 'goal'],
      ],
    );
    const journeyId = await publishGraph(services, graph);
    const profiles = await createProfiles(services, 10_000);
    expect(await enterMany(services, journeyId, profiles)).toBe(10_000);

    await drainSteps(services, 500);
    await fastForward(services);

    const runs = await sql<{
      status: string;
      n: number;
    }>`SELECT status, count(*)::int AS n FROM runs WHERE journey_id = ${journeyId} GROUP BY status`.execute(
      services.db,
    );
    expect(runs.rows).toEqual([{ status: 'completed', n: 10_000 }]);
    const converted = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM runs WHERE journey_id = ${journeyId} AND converted_at IS NOT NULL`.execute(
      services.db,
    );
    expect(converted.rows[0].n).toBe(10_000);

    const perNode = await sql<{
      node_id: string;
      n: number;
    }>`SELECT node_id, count(*)::int AS n FROM steps WHERE journey_id = ${journeyId} GROUP BY node_id ORDER BY node_id`.execute(
      services.db,
    );
    const counts = Object.fromEntries(perNode.rows.map((row) => [row.node_id, row.n]));
    expect(counts.t).toBe(10_000);
    expect(counts.split).toBe(10_000);
    expect(counts.goal).toBe(10_000);
    expect(counts.wait).toBe(counts['mail-a']);
    expect(counts['mail-a'] + counts['mail-b']).toBe(10_000);
    expect(counts['mail-a']).toBeGreaterThan(4_700);
    expect(counts['mail-a']).toBeLessThan(5_300);

    // Per run: one step per node visited, seq contiguous from 0; one message per email step.
    const perRun = await sql<{ bad: number }>`
      SELECT count(*)::int AS bad FROM (
        SELECT run_id FROM steps WHERE journey_id = ${journeyId}
        GROUP BY run_id HAVING count(*) <> count(DISTINCT node_id) OR max(seq) <> count(*) - 1
      ) AS broken`.execute(services.db);
    expect(perRun.rows[0].bad).toBe(0);
    const messages = await sql<{
      n: number;
      runs: number;
    }>`SELECT count(*)::int AS n, count(DISTINCT run_id)::int AS runs FROM messages WHERE journey_id = ${journeyId}`.execute(
      services.db,
    );
    expect(messages.rows[0]).toEqual({ n: 10_000, runs: 10_000 });
  });
  it('two step loops counting the same nodes and conversions never deadlock: no batch is rolled back', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Ordered' } },
          {
            id: 'c',
            type: 'condition.if',
            config: {
              condition: {
                match: 'all',
                rules: [{ kind: 'attribute', source: 'trait', path: 'email', op: 'exists' }],
              },
            },
          },
          { id: 'm', type: 'touchpoint.email', config: { subject: 'Thanks' } },
          { id: 'goal', type: 'action.goal' },
        ],
        [
          ['t', 'c'],
          ['c', 'm', 'yes'],
          ['c', 'goal', 'no'],
          ['m', 'goal'],
        ],
      ),
    );
    const profiles = await createProfiles(services, 6_000);
    expect(await enterMany(services, journeyId, profiles)).toBe(6_000);
    const problems: string[] = [];
    await Promise.all(
      [0, 1].map(async () => {
        while ((await runOneBatch(services, 20, (line) => problems.push(line))) > 0) {
          /* next batch */
        }
      }),
    );
    expect(problems).toEqual([]);
    const converted = await sql<{
      n: number;
    }>`SELECT coalesce(sum(converted), 0)::int AS n FROM node_stats s JOIN journey_versions v ON v.id = s.version_id WHERE v.journey_id = ${journeyId} AND s.node_id = 'goal' AND s.port NOT LIKE '#%'`.execute(
      services.db,
    );
    expect(converted.rows[0].n).toBe(6_000);
  });
});
