// Worker processes killed with SIGKILL at random points, and two workers at once: every run
// finishes, none is lost, no step or message is written twice.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { buildGraph, createProfiles, enterMany, publishGraph } from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';
import { eventually } from '../support/test-database';

let services: TestServices;
const workers: AppProcess[] = [];
beforeAll(async () => {
  services = await createTestServices({ poolSize: 4 });
});
afterAll(async () => {
  for (const worker of workers) await worker.stop('SIGKILL');
  await services?.close();
});

const instant = (id: string) => ({
  id,
  type: 'wait.delay',
  config: { duration: { amount: 0, unit: 'seconds' } },
});
const graph = (event: string) =>
  buildGraph(
    [
      { id: 't', type: 'trigger.event', config: { event } },
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
      instant('hop1'),
      { id: 'm1', type: 'touchpoint.email', config: { subject: 'First' } },
      { id: 'u', type: 'action.update-profile', config: { operations: [{ op: 'addTag', tag: 'welcomed' }] } },
      instant('hop2'),
      { id: 'm2', type: 'touchpoint.email', config: { subject: 'Second' } },
      { id: 'g', type: 'action.goal' },
    ],
    [
      ['t', 'c'],
      ['c', 'hop1', 'yes'],
      ['hop1', 'm1'],
      ['m1', 'u'],
      ['u', 'hop2'],
      ['hop2', 'm2'],
      ['m2', 'g'],
    ],
  );

async function startWorker(): Promise<AppProcess> {
  const worker = await startAppProcess({
    DATABASE_URL: services.database.url,
    WAYMARK_ROLE: 'worker',
    WAYMARK_WORKER_LOOPS: '2',
    WAYMARK_STEP_BATCH: '50',
  });
  workers.push(worker);
  return worker;
}

async function expectAllFinishedExactlyOnce(journeyId: string, customers: number): Promise<void> {
  await eventually(
    async () => {
      const left = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM runs WHERE journey_id = ${journeyId} AND status <> 'completed'`.execute(
        services.db,
      );
      return left.rows[0].n === 0;
    },
    { timeout: 120_000, interval: 250, message: 'every run to complete' },
  );
  const steps = await sql<{
    n: number;
    distinct: number;
  }>`SELECT count(*)::int AS n, count(DISTINCT (run_id, node_id))::int AS distinct FROM steps WHERE journey_id = ${journeyId}`.execute(
    services.db,
  );
  expect(steps.rows[0]).toEqual({ n: customers * 8, distinct: customers * 8 });
  const messages = await sql<{
    n: number;
    keys: number;
  }>`SELECT count(*)::int AS n, count(DISTINCT (run_id, node_id))::int AS keys FROM messages WHERE journey_id = ${journeyId}`.execute(
    services.db,
  );
  expect(messages.rows[0]).toEqual({ n: customers * 2, keys: customers * 2 });
  const converted = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM runs WHERE journey_id = ${journeyId} AND converted_at IS NOT NULL`.execute(
    services.db,
  );
  expect(converted.rows[0].n).toBe(customers);
  const failedJobs = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'waymark-steps' AND state = 'failed'`.execute(
    services.db,
  );
  expect(failedJobs.rows[0].n).toBe(0);
}

describe('crash safety', () => {
  it('a worker SIGKILLed at random points 10 times loses no run and duplicates nothing', async () => {
    const journeyId = await publishGraph(services, graph('Crash'));
    const customers = 3_000;
    expect(await enterMany(services, journeyId, await createProfiles(services, customers))).toBe(customers);

    for (let kill = 0; kill < 10; kill++) {
      const worker = await startWorker();
      // Short lives: the engine finishes 3,000 customers within a few seconds of work.
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 300));
      await worker.stop('SIGKILL');
    }
    const progress = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM runs WHERE journey_id = ${journeyId} AND status = 'completed'`.execute(
      services.db,
    );
    expect(progress.rows[0].n).toBeLessThan(customers); // the kills did land mid-flight

    const survivor = await startWorker();
    await expectAllFinishedExactlyOnce(journeyId, customers);
    await survivor.stop();
  });

  it('two worker processes at once never run a step twice', async () => {
    const journeyId = await publishGraph(services, graph('Parallel'));
    const customers = 3_000;
    const [first, second] = await Promise.all([startWorker(), startWorker()]);
    expect(await enterMany(services, journeyId, await createProfiles(services, customers))).toBe(customers);
    await expectAllFinishedExactlyOnce(journeyId, customers);
    await Promise.all([first.stop(), second.stop()]);
  });
});
