// The simulator and the engine cannot drift apart: every template journey, for the same customers
// and events, takes the same path through both — the engine driven by a controllable clock.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOneBatch, wakeDueRuns } from '../../server/engine/worker';
import { simulate } from '../../shared/simulate';
import { journeyTemplates } from '../../shared/templates';
import { createProfile, enterMany, publishGraph, track } from '../support/engine-harness';
import { cases, sampleTraits, start, triggerProperties } from '../support/simulation-cases';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
const journeys = new Map<string, string>();
beforeAll(async () => {
  services = await createTestServices();
  for (const template of journeyTemplates)
    journeys.set(template.id, await publishGraph(services, template.graph, { name: template.name }));
});
afterAll(async () => {
  await services?.close();
});

// The virtual clock starts tomorrow, so nothing it schedules is due in real time until the test says so.
const offset = Date.now() + 86_400_000 - start.getTime();
const shift = (iso: string) => new Date(Date.parse(iso) + offset);

async function drainAt(clock: Date): Promise<void> {
  while ((await runOneBatch({ ...services, now: () => clock } as typeof services, 100)) > 0) {
    /* drain */
  }
}

async function enginePath(
  templateId: string,
  trigger: string | undefined,
  events: Array<{ name: string; properties?: Record<string, unknown>; at: string }>,
  index: number,
): Promise<{ path: string[]; profileId: string; journeyId: string }> {
  const journeyId = journeys.get(templateId)!;
  const profileId = await createProfile(services, sampleTraits, `sim-${index}`);
  let clock = shift(start.toISOString());
  if (trigger) await track(services, profileId, trigger, triggerProperties, clock);
  else expect(await enterMany(services, journeyId, [profileId])).toBe(1);
  await drainAt(clock);
  const pending = events.map((event) => ({ ...event, when: shift(event.at) }));
  for (let round = 0; round < 50; round++) {
    const run = await services.db
      .selectFrom('runs')
      .select(['id', 'status', 'wake_at'])
      .where('journey_id', '=', journeyId)
      .where('profile_id', '=', profileId)
      .executeTakeFirstOrThrow();
    if (run.status !== 'active' && run.status !== 'waiting') break;
    const job = await sql<{
      start_after: Date;
    }>`SELECT min(start_after) AS start_after FROM pgboss.job WHERE name = 'waymark-steps' AND state = 'created' AND data ->> 'runId' = ${run.id}`.execute(
      services.db,
    );
    const wakes = [run.wake_at, job.rows[0]?.start_after]
      .filter((time): time is Date => Boolean(time))
      .map((time) => new Date(time).getTime());
    const nextWake = wakes.length ? Math.min(...wakes) : null;
    if (pending.length && (nextWake === null || pending[0].when.getTime() <= nextWake)) {
      const event = pending.shift()!;
      clock = event.when;
      await track(services, profileId, event.name, event.properties ?? {}, clock);
    } else if (nextWake !== null) {
      clock = new Date(Math.max(nextWake, clock.getTime()));
      await sql`UPDATE runs SET wake_at = now() - interval '1 second' WHERE id = ${run.id} AND wake_at <= ${clock.toISOString()}`.execute(
        services.db,
      );
      await sql`UPDATE pgboss.job SET start_after = now() - interval '1 second' WHERE name = 'waymark-steps' AND state = 'created' AND data ->> 'runId' = ${run.id} AND start_after <= ${clock.toISOString()}`.execute(
        services.db,
      );
      while ((await wakeDueRuns(services, 1000)) > 0) {
        /* wake */
      }
    } else break;
    await drainAt(clock);
  }
  const steps = await services.db
    .selectFrom('steps')
    .innerJoin('runs', 'runs.id', 'steps.run_id')
    .select(['steps.node_id', 'steps.port', 'steps.outcome'])
    .where('runs.journey_id', '=', journeyId)
    .where('runs.profile_id', '=', profileId)
    .orderBy('steps.seq')
    .execute();
  return { path: steps.map((step) => `${step.node_id}:${step.port ?? step.outcome}`), profileId, journeyId };
}

describe('simulator and engine', () => {
  it.each(cases.map((c, index) => ({ ...c, index })))(
    '$template, a customer who $customer: the same path through both',
    async ({ template, customer, trigger, events = [], path, index }) => {
      const engine = await enginePath(template, trigger, events, index);
      const graph = journeyTemplates.find((candidate) => candidate.id === template)!.graph;
      const simulated = await simulate({
        graph,
        journeyId: engine.journeyId,
        registry: services.registry,
        profile: { id: engine.profileId, userId: `sim-${index}`, traits: sampleTraits },
        trigger: trigger ? { name: trigger, properties: triggerProperties } : null,
        events: events.map((event) => ({ ...event, at: shift(event.at).toISOString() })),
        start: shift(start.toISOString()),
      });
      const simulatedPath = simulated.steps.map((step) => `${step.nodeId}:${step.port ?? step.outcome}`);
      expect({ customer, engine: engine.path }).toEqual({ customer, engine: simulatedPath });
      expect(simulatedPath).toEqual(path);
    },
  );
});
