// A/B splits draw independently in every journey — a duplicated journey or a template imported
// twice keeps its node ids — while a customer keeps his variant across versions of one journey,
// and the simulator draws what the engine draws.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, createProfiles, drainSteps, enterMany, publishGraph } from '../support/engine-harness';
import { publishJourney } from '../../server/journeys/publish-journey';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

const experiment = (label = 'A') =>
  buildGraph(
    [
      { id: 't', type: 'trigger.event', config: { event: 'Experiment Go' } },
      {
        id: 'ab',
        type: 'condition.ab',
        config: {
          variants: [
            { id: 'a', label, percent: 50 },
            { id: 'b', label: 'B', percent: 50 },
          ],
        },
      },
      { id: 'xa', type: 'action.exit' },
      { id: 'xb', type: 'action.exit' },
    ],
    [
      ['t', 'ab'],
      ['ab', 'xa', 'a'],
      ['ab', 'xb', 'b'],
    ],
  );

/** The variant each customer drew in the journey's live version. */
async function variants(journeyId: string): Promise<Map<string, string>> {
  const rows = await services.db
    .selectFrom('steps')
    .innerJoin('runs', 'runs.id', 'steps.run_id')
    .innerJoin('journeys', 'journeys.live_version_id', 'steps.version_id')
    .select(['runs.profile_id', 'steps.port'])
    .where('steps.journey_id', '=', journeyId)
    .where('steps.node_id', '=', 'ab')
    .execute();
  return new Map(rows.map((row) => [row.profile_id, row.port!]));
}

describe('A/B split', () => {
  it("a duplicated journey draws its own variants, and each journey keeps a customer's variant across versions", async () => {
    const original = await publishGraph(services, experiment(), { entryRule: 'always' });
    const copy = (await services.caller().journeys.duplicate({ id: original })).id;
    await publishJourney(services.db, services.registry, services.defaultWorkspaceId, copy);
    const customers = await createProfiles(services, 400);
    await enterMany(services, original, customers);
    await enterMany(services, copy, customers);
    await drainSteps(services);
    const first = await variants(original);
    const second = await variants(copy);
    expect(first.size).toBe(400);
    expect(second.size).toBe(400);
    const same = customers.filter((id) => first.get(id) === second.get(id)).length;
    // Independent draws agree for about half the customers (400 draws: 35–65 % is over 6 standard deviations wide).
    expect(same / customers.length).toBeGreaterThan(0.35);
    expect(same / customers.length).toBeLessThan(0.65);

    // A new version of the original (a label changed): everyone draws what he drew before.
    await services.caller().journeys.updateDraft({ id: original, draft: experiment('A (new)') });
    await publishJourney(services.db, services.registry, services.defaultWorkspaceId, original);
    const again = customers.slice(0, 100);
    await enterMany(services, original, again);
    await drainSteps(services);
    const later = await variants(original);
    expect(later.size).toBe(100);
    for (const id of again) expect(later.get(id)).toBe(first.get(id));
  });

  it('the simulator sends a customer down the variant the engine sends him', async () => {
    const journeyId = await publishGraph(services, experiment(), { entryRule: 'always' });
    const customers = await createProfiles(services, 12);
    await enterMany(services, journeyId, customers);
    await drainSteps(services);
    const engine = await variants(journeyId);
    for (const profileId of customers) {
      const simulated = await services.caller().journeys.simulate({
        id: journeyId,
        graph: experiment(),
        profileId,
        trigger: { name: 'Experiment Go', properties: {} },
      });
      expect(simulated.steps.find((step: { nodeId: string }) => step.nodeId === 'ab')!.port).toBe(
        engine.get(profileId),
      );
    }
  });
});
