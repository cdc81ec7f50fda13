// Every trait change starts what a trait change starts — whoever made it: ingest's identify, a
// journey's Update profile step, a profile merge. Real engine, real Postgres.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxChainDepth } from '../../server/engine/enter-journey';
import { ingestMessages } from '../../server/ingest/ingest-messages';
import { setHealthConfig } from '../../server/profiles/health-score';
import { healthScoreConfigSchema } from '../../shared/health-score';
import {
  buildGraph,
  createProfile,
  drainSteps,
  pathOf,
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

const traitIs = (path: string, value: unknown) => ({
  match: 'all',
  rules: [{ kind: 'attribute', source: 'trait', path, op: 'eq', value }],
});
const setTrait = (id: string, trait: string, value: unknown) => ({
  id,
  type: 'action.update-profile',
  config: { operations: [{ op: 'set', trait, value }] },
});

async function runsIn(journeyId: string, profileId?: string) {
  let query = services.db
    .selectFrom('runs')
    .select(['id', 'status', 'error', 'context', 'profile_id'])
    .where('journey_id', '=', journeyId);
  if (profileId) query = query.where('profile_id', '=', profileId);
  return query.orderBy('entered_at').execute();
}

describe('a trait changed by a journey', () => {
  it('starts the "entered segment" journey of the new value, once', async () => {
    const trait = `plan${randomUUID().slice(0, 6)}`;
    const upgrade = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: `Upgrade ${trait}` } },
          setTrait('u', trait, 'pro'),
          { id: 'x', type: 'action.exit' },
        ],
        [
          ['t', 'u'],
          ['u', 'x'],
        ],
      ),
    );
    const welcome = await publishGraph(
      services,
      buildGraph(
        [
          { id: 's', type: 'trigger.segment', config: { condition: traitIs(trait, 'pro') } },
          { id: 'x', type: 'action.exit' },
        ],
        [['s', 'x']],
      ),
    );
    const profileId = await createProfile(services, { [trait]: 'free' });

    await track(services, profileId, `Upgrade ${trait}`);
    await drainSteps(services);
    expect(await runsIn(upgrade, profileId)).toHaveLength(1);
    const started = await runsIn(welcome, profileId);
    expect(started).toHaveLength(1);
    expect(await pathOf(services, started[0].id)).toEqual(['s:out', 'x(exited)']);

    // Setting the same value again is no change: nothing starts a second time.
    await track(services, profileId, `Upgrade ${trait}`);
    await drainSteps(services);
    expect(await runsIn(upgrade, profileId)).toHaveLength(2);
    expect(await runsIn(welcome, profileId)).toHaveLength(1);
  });

  it('moves the health score at once: a journey that lowers NPS starts the churn journey without waiting for the daily recompute', async () => {
    await setHealthConfig(
      services.db,
      services.defaultWorkspaceId,
      healthScoreConfigSchema.parse({
        weights: { recency: 0, frequency: 0, monetary: 0, trait: 100 },
        trait: { name: 'nps', min: 0, max: 10 },
      }),
    );
    const survey = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Bad Survey' } },
          setTrait('u', 'nps', 2),
          { id: 'x', type: 'action.exit' },
        ],
        [
          ['t', 'u'],
          ['u', 'x'],
        ],
      ),
    );
    const churn = await publishGraph(
      services,
      buildGraph(
        [
          { id: 'h', type: 'trigger.health', config: { direction: 'below', level: 40 } },
          { id: 'x', type: 'action.exit' },
        ],
        [['h', 'x']],
      ),
    );
    const profileId = await createProfile(services, { nps: 8 });
    const scored = await services.db
      .selectFrom('profiles')
      .select('health_score')
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    expect(scored.health_score).toBeCloseTo(80);

    await track(services, profileId, 'Bad Survey');
    await drainSteps(services);
    expect(await runsIn(survey, profileId)).toHaveLength(1);
    const after = await services.db
      .selectFrom('profiles')
      .select('health_score')
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    expect(after.health_score).toBeCloseTo(20);
    const started = await runsIn(churn, profileId);
    expect(started).toHaveLength(1);
    expect(
      (started[0].context as { event: { properties: Record<string, unknown> } }).event.properties,
    ).toMatchObject({ before: 80, after: 20, level: 40 });
    await setHealthConfig(services.db, services.defaultWorkspaceId, null);
  });

  it('two journeys that trigger each other stop after a bounded chain, with a clear error on the run that was stopped', async () => {
    const trait = `tier${randomUUID().slice(0, 6)}`;
    const gold = await publishGraph(
      services,
      buildGraph(
        [
          { id: 's', type: 'trigger.segment', config: { condition: traitIs(trait, 'gold') } },
          setTrait('u', trait, 'silver'),
          { id: 'x', type: 'action.exit' },
        ],
        [
          ['s', 'u'],
          ['u', 'x'],
        ],
      ),
      { entryRule: 'always' },
    );
    const silver = await publishGraph(
      services,
      buildGraph(
        [
          { id: 's', type: 'trigger.segment', config: { condition: traitIs(trait, 'silver') } },
          setTrait('u', trait, 'gold'),
          { id: 'x', type: 'action.exit' },
        ],
        [
          ['s', 'u'],
          ['u', 'x'],
        ],
      ),
      { entryRule: 'always' },
    );
    const userId = `loop-${randomUUID()}`;
    await ingestMessages(services, services.defaultWorkspaceId, [
      { type: 'identify', userId, traits: { [trait]: 'gold' }, messageId: randomUUID() },
    ]);
    await drainSteps(services);

    const runs = [...(await runsIn(gold)), ...(await runsIn(silver))];
    // The first run (from ingest) plus one per journey-made change, up to the limit, then one stopped.
    expect(runs).toHaveLength(maxChainDepth + 2);
    const stopped = runs.filter((run) => run.status === 'failed');
    expect(stopped).toHaveLength(1);
    expect(stopped[0].error).toMatch(/journeys started one another 11 times in a row .* trigger each other/);
    expect(runs.filter((run) => run.status === 'exited')).toHaveLength(maxChainDepth + 1);
  });
});

describe('a trait changed by a profile merge', () => {
  it("an anonymous visitor's trait that the known profile gains by an alias starts its segment journey", async () => {
    const trait = `vip${randomUUID().slice(0, 6)}`;
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 's', type: 'trigger.segment', config: { condition: traitIs(trait, true) } },
          { id: 'x', type: 'action.exit' },
        ],
        [['s', 'x']],
      ),
    );
    const anonymousId = `anon-${randomUUID()}`;
    const userId = `known-${randomUUID()}`;
    await ingestMessages(services, services.defaultWorkspaceId, [
      { type: 'track', anonymousId, event: 'Viewed', properties: {}, messageId: randomUUID() },
    ]);
    await ingestMessages(services, services.defaultWorkspaceId, [
      { type: 'identify', userId, traits: { name: 'Known' }, messageId: randomUUID() },
    ]);
    // The visitor's trait is written on the anonymous profile (as an import or an older client would).
    const anonymous = await services.db
      .selectFrom('profile_identities')
      .select('profile_id')
      .where('value', '=', anonymousId)
      .executeTakeFirstOrThrow();
    await services.db
      .updateTable('profiles')
      .set({ traits: JSON.stringify({ [trait]: true }) })
      .where('id', '=', anonymous.profile_id)
      .execute();
    expect(await runsIn(journeyId)).toHaveLength(0);

    await ingestMessages(services, services.defaultWorkspaceId, [
      { type: 'alias', userId, previousId: anonymousId, messageId: randomUUID() },
    ]);
    const known = await services.db
      .selectFrom('profile_identities')
      .select('profile_id')
      .where('value', '=', userId)
      .executeTakeFirstOrThrow();
    const runs = await runsIn(journeyId);
    expect(runs.map((run) => run.profile_id)).toEqual([known.profile_id]);
  });
});

describe('the threshold trigger in a batch', () => {
  it('starts with the event that crossed the level: four orders in one batch, "3rd order" sees n = 3', async () => {
    const event = `Order ${randomUUID().slice(0, 6)}`;
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.threshold', config: { measure: 'count', event, op: 'gte', value: 3 } },
          { id: 'x', type: 'action.exit' },
        ],
        [['t', 'x']],
      ),
    );
    const userId = `orders-${randomUUID()}`;
    const base = Date.now() - 60_000;
    // Sent out of order: event time decides which one is the third.
    const order = (n: number) => ({
      type: 'track' as const,
      userId,
      event,
      properties: { n },
      messageId: randomUUID(),
      timestamp: new Date(base + n * 1000).toISOString(),
    });
    await ingestMessages(services, services.defaultWorkspaceId, [order(2), order(3), order(4), order(1)]);
    const runs = await runsIn(journeyId);
    expect(runs).toHaveLength(1);
    expect((runs[0].context as { event: { properties: Record<string, unknown> } }).event.properties).toEqual({
      n: 3,
    });
  });

  it('a sum threshold starts with the order that took the total over it', async () => {
    const event = `Spend ${randomUUID().slice(0, 6)}`;
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          {
            id: 't',
            type: 'trigger.threshold',
            config: { measure: 'sum', property: 'total', event, op: 'gte', value: 100 },
          },
          { id: 'x', type: 'action.exit' },
        ],
        [['t', 'x']],
      ),
    );
    const profileId = await createProfile(services);
    await track(services, profileId, event, { total: 40, n: 1 });
    const userId = (
      await services.db
        .selectFrom('profiles')
        .select('user_id')
        .where('id', '=', profileId)
        .executeTakeFirstOrThrow()
    ).user_id!;
    const at = Date.now();
    await ingestMessages(
      services,
      services.defaultWorkspaceId,
      [30, 50, 70].map((total, index) => ({
        type: 'track' as const,
        userId,
        event,
        properties: { total, n: index + 2 },
        messageId: randomUUID(),
        timestamp: new Date(at + index).toISOString(),
      })),
    );
    const runs = await runsIn(journeyId, profileId);
    expect(runs).toHaveLength(1);
    expect((runs[0].context as { event: { properties: Record<string, unknown> } }).event.properties).toEqual({
      total: 50,
      n: 3,
    });
  });
});
