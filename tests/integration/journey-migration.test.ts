// Publishing a new version of a live journey and moving the customers inside it: a preview of who
// goes where, then one transaction; nobody lost, nobody messaged twice, re-timed waits on time.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateDraft } from '../../server/journeys/journey-store';
import { apiSession, startAppProcess, type AppProcess } from '../support/app-process';
import {
  buildGraph,
  createProfile,
  createProfiles,
  drainSteps,
  enterMany,
  fastForward,
  publishGraph,
  track,
} from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
const apps: AppProcess[] = [];
afterAll(async () => {
  for (const app of apps) await app.stop('SIGKILL');
  await services?.close();
});

const pro = {
  match: 'all',
  rules: [{ kind: 'attribute', source: 'trait', path: 'plan', op: 'eq', value: 'pro' }],
};
const email = (id: string, subject: string) => ({ id, type: 'touchpoint.email', config: { subject } });
const delay = (id: string, amount: number) => ({
  id,
  type: 'wait.delay',
  config: { duration: { amount, unit: 'days' } },
});

const version1 = buildGraph(
  [
    { id: 't', type: 'trigger.event', config: { event: 'Trial Started' } },
    email('m0', 'Welcome'),
    delay('w', 3),
    { id: 'c', type: 'condition.if', config: { condition: pro } },
    email('mp', 'Pro offer'),
    delay('w2', 5),
    email('mb', 'Basic offer'),
  ],
  [
    ['t', 'm0'],
    ['m0', 'w'],
    ['w', 'c'],
    ['c', 'mp', 'yes'],
    ['c', 'w2', 'no'],
    ['w2', 'mb'],
  ],
);

// Version 2: the first wait is shortened to 1 day; the second wait and its email are replaced by a new email.
const version2 = buildGraph(
  [
    { id: 't', type: 'trigger.event', config: { event: 'Trial Started' } },
    email('m0', 'Welcome'),
    delay('w', 1),
    { id: 'c', type: 'condition.if', config: { condition: pro } },
    email('mp', 'Pro offer'),
    email('mn', 'New basic offer'),
  ],
  [
    ['t', 'm0'],
    ['m0', 'w'],
    ['w', 'c'],
    ['c', 'mp', 'yes'],
    ['c', 'mn', 'no'],
  ],
);

async function subjectsOf(profileId: string): Promise<string[]> {
  const rows = await services.db
    .selectFrom('messages')
    .select(sql<string>`content ->> 'subject'`.as('subject'))
    .where('profile_id', '=', profileId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => row.subject);
}

describe('moving live customers onto a new version', () => {
  it('previews, then moves everyone as mapped in one go: removed nodes, a shortened wait re-timed, a new step', async () => {
    const journeyId = await publishGraph(services, version1, { name: 'Trial nurture' });
    const api = services.caller();
    const profile = (plan: string, name: string) =>
      createProfile(services, { email: `${name}@example.com`, plan }, name);

    // B: already past the first wait and the condition (basic), waiting 5 days before the basic offer.
    const basic = [await profile('basic', 'bea'), await profile('basic', 'ben')];
    for (const id of basic) await track(services, id, 'Trial Started');
    await drainSteps(services);
    await fastForward(services);
    // A: waiting in the 3-day wait; Ada entered it two days ago, Abe and Ari just now.
    const [ada, abe, ari] = [
      await profile('pro', 'ada'),
      await profile('basic', 'abe'),
      await profile('pro', 'ari'),
    ];
    for (const id of [ada, abe, ari]) await track(services, id, 'Trial Started');
    await drainSteps(services);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await sql`UPDATE steps SET entered_at = ${twoDaysAgo.toISOString()} WHERE node_id = 'w' AND left_at IS NULL AND run_id = (SELECT id FROM runs WHERE profile_id = ${ada})`.execute(
      services.db,
    );
    // C: just entered, not yet run (active at the trigger).
    const fresh = [await profile('pro', 'cid'), await profile('basic', 'cy')];
    for (const id of fresh) await track(services, id, 'Trial Started');

    const v1 = await services.db
      .selectFrom('runs')
      .select(['current_node', 'status', sql<number>`count(*)`.as('n')])
      .where('journey_id', '=', journeyId)
      .groupBy(['current_node', 'status'])
      .orderBy('current_node')
      .execute();
    expect(v1).toEqual([
      { current_node: 't', status: 'active', n: 2 },
      { current_node: 'w', status: 'waiting', n: 3 },
      { current_node: 'w2', status: 'waiting', n: 2 },
    ]);

    await updateDraft(services.db, services.defaultWorkspaceId, journeyId, { draft: version2 });
    const moves = { t: { to: '#exit' }, w: { to: 'w', retime: true }, w2: { to: 'mn' } };
    const preview = await api.journeys.migrationPreview({ id: journeyId, graph: version2, moves });
    expect(preview.liveVersion).toBe(1);
    expect(
      preview.nodes.map(({ nodeId, customers, defaultTarget, target, retimable, dueNow, skipped }) => ({
        nodeId,
        customers,
        defaultTarget,
        target,
        retimable,
        dueNow,
        skipped: skipped.map((s) => s.nodeId),
      })),
    ).toEqual([
      {
        nodeId: 't',
        customers: 2,
        defaultTarget: 't',
        target: '#exit',
        retimable: false,
        dueNow: 0,
        skipped: ['m0', 'mb', 'mp'],
      },
      {
        nodeId: 'w',
        customers: 3,
        defaultTarget: 'w',
        target: 'w',
        retimable: true,
        dueNow: 1,
        skipped: ['mb'],
      },
      {
        nodeId: 'w2',
        customers: 2,
        defaultTarget: null,
        target: 'mn',
        retimable: false,
        dueNow: 2,
        skipped: ['mb'],
      },
    ]);
    expect(preview.totals).toEqual({
      customers: 7,
      moving: 5,
      staying: 0,
      exiting: 2,
      dueNow: 3,
      missingMessages: 7,
      needTarget: 0,
    });
    // Without moves, everyone stays; a removed node left without a target is counted as needing one.
    expect((await api.journeys.migrationPreview({ id: journeyId, graph: version2 })).totals).toMatchObject({
      staying: 7,
      moving: 0,
    });
    expect(
      (await api.journeys.migrationPreview({ id: journeyId, graph: version2, moves: { w2: { to: 'gone' } } }))
        .totals.needTarget,
    ).toBe(2);

    // A bad target is refused, naming the field, and changes nothing.
    await expect(
      api.journeys.publish({ id: journeyId, migration: { moves: { ...moves, w2: { to: 'gone' } } } }),
    ).rejects.toThrow(/migration\.moves\.w2\.to/);
    expect(
      await services.db
        .selectFrom('journey_versions')
        .select('version')
        .where('journey_id', '=', journeyId)
        .execute(),
    ).toHaveLength(1);

    const published = await api.journeys.publish({ id: journeyId, migration: { moves } });
    expect(published).toMatchObject({ version: 2, migrated: { moved: 5, exited: 2 } });
    await drainSteps(services); // the wake-up sweep hands moved runs to the step queue
    const { wakeDueRuns } = await import('../../server/engine/worker');
    while ((await wakeDueRuns(services, 1000)) > 0) await drainSteps(services);

    const runOf = (profileId: string) =>
      services.db
        .selectFrom('runs')
        .select(['status', 'current_node', 'version_id', 'wake_at'])
        .where('profile_id', '=', profileId)
        .executeTakeFirstOrThrow();
    // Ada waited two days of a wait now one day long: due at once, through the condition to the pro offer.
    expect(await runOf(ada)).toMatchObject({
      status: 'completed',
      current_node: 'mp',
      version_id: published.versionId,
    });
    // Abe and Ari entered the wait just now: they wait one day from then, not three, and not one from now.
    for (const id of [abe, ari]) {
      const run = await runOf(id);
      expect(run).toMatchObject({ status: 'waiting', current_node: 'w', version_id: published.versionId });
      const entered = (
        await services.db
          .selectFrom('steps')
          .select('entered_at')
          .where('node_id', '=', 'w')
          .where('port', '=', 'migrated')
          .where(
            'run_id',
            '=',
            (
              await services.db
                .selectFrom('runs')
                .select('id')
                .where('profile_id', '=', id)
                .executeTakeFirstOrThrow()
            ).id,
          )
          .executeTakeFirstOrThrow()
      ).entered_at;
      const due =
        run.wake_at ??
        (
          await sql<{
            start_after: Date;
          }>`SELECT start_after FROM pgboss.job WHERE name = 'waymark-steps' AND state = 'created' AND data ->> 'runId' = (SELECT id::text FROM runs WHERE profile_id = ${id})`.execute(
            services.db,
          )
        ).rows[0].start_after;
      expect(Math.abs(new Date(due).getTime() - (entered.getTime() + 86_400_000))).toBeLessThan(5000);
    }
    // The basic customers of the removed wait got the new email, not the removed one.
    for (const id of basic)
      expect(await runOf(id)).toMatchObject({ status: 'completed', current_node: 'mn' });
    // The fresh ones exited without a message.
    for (const id of fresh) expect(await runOf(id)).toMatchObject({ status: 'exited' });

    await fastForward(services);
    expect(await runOf(abe)).toMatchObject({ status: 'completed', current_node: 'mn' });
    expect(await runOf(ari)).toMatchObject({ status: 'completed', current_node: 'mp' });
    // Nobody got anything twice; everyone got what the mapping says.
    expect(await subjectsOf(ada)).toEqual(['Welcome', 'Pro offer']);
    expect(await subjectsOf(abe)).toEqual(['Welcome', 'New basic offer']);
    expect(await subjectsOf(ari)).toEqual(['Welcome', 'Pro offer']);
    for (const id of basic) expect(await subjectsOf(id)).toEqual(['Welcome', 'New basic offer']);
    for (const id of fresh) expect(await subjectsOf(id)).toEqual([]);

    // The moves are steps on the port "migrated", in the paths and in the stats of version 1.
    const ada_path = await services.db
      .selectFrom('steps')
      .innerJoin('runs', 'runs.id', 'steps.run_id')
      .select(['steps.node_id', 'steps.port'])
      .where('runs.profile_id', '=', ada)
      .orderBy('steps.seq')
      .execute();
    expect(ada_path.map((step) => `${step.node_id}:${step.port}`)).toEqual([
      't:out',
      'm0:out',
      'w:migrated',
      'w:out',
      'c:yes',
      'mp:out',
    ]);
    const v1Id = (
      await services.db
        .selectFrom('journey_versions')
        .select('id')
        .where('journey_id', '=', journeyId)
        .where('version', '=', 1)
        .executeTakeFirstOrThrow()
    ).id;
    const v1Stats = await api.stats.journey({ journeyId, versionId: v1Id });
    expect(v1Stats.nodes.w.ports.migrated.passed).toBe(3);
    expect(v1Stats.nodes.w2.ports.migrated.passed).toBe(2);
    expect(v1Stats.nodes.t.exited).toBe(2);
    expect(v1Stats.nodes.w.waiting).toBe(0);
    const v2Stats = await api.stats.journey({ journeyId, versionId: published.versionId });
    expect(v2Stats.nodes.mn.entered).toBe(3);
  });

  it('a process SIGKILLed while publishing and moving leaves the journey entirely on the old mapping or entirely on the new', async () => {
    const graph1 = buildGraph(
      [{ id: 't', type: 'trigger.event', config: { event: 'Bulk' } }, delay('w', 3), email('m', 'Later')],
      [
        ['t', 'w'],
        ['w', 'm'],
      ],
    );
    const graph2 = buildGraph(
      [{ id: 't', type: 'trigger.event', config: { event: 'Bulk' } }, delay('w', 1), email('n', 'Sooner')],
      [
        ['t', 'w'],
        ['w', 'n'],
      ],
    );
    const journeyId = await publishGraph(services, graph1, { name: 'Crash while moving' });
    const customers = 10_000;
    expect(await enterMany(services, journeyId, await createProfiles(services, customers))).toBe(customers);
    await drainSteps(services, 1000);
    await updateDraft(services.db, services.defaultWorkspaceId, journeyId, { draft: graph2 });

    const app = await startAppProcess({ DATABASE_URL: services.database.url, WAYMARK_ROLE: 'all' });
    apps.push(app);
    const session = await apiSession(app.url);
    const publishing = session
      .mutate('journeys.publish', { id: journeyId, migration: { moves: { w: { to: 'w', retime: true } } } })
      .then(
        () => 'answered',
        () => 'no answer',
      );
    // Killed while the move is under way: its statements are running in the publishing transaction.
    const { eventually } = await import('../support/test-database');
    await eventually(
      async () =>
        (
          await sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%waymark_moving%' AND pid <> pg_backend_pid()`.execute(
            services.db,
          )
        ).rows[0].n > 0,
      { timeout: 20_000, interval: 5, message: 'the move to be under way' },
    );
    await app.stop('SIGKILL');
    const answer = await publishing;

    const versions = await services.db
      .selectFrom('journey_versions')
      .select(['id', 'version'])
      .where('journey_id', '=', journeyId)
      .orderBy('version')
      .execute();
    const byVersion = await services.db
      .selectFrom('runs')
      .select(['version_id', 'current_node', sql<number>`count(*)`.as('n')])
      .where('journey_id', '=', journeyId)
      .groupBy(['version_id', 'current_node'])
      .execute();
    const migratedSteps = Number(
      (
        await services.db
          .selectFrom('steps')
          .select(sql<number>`count(*)`.as('n'))
          .where('journey_id', '=', journeyId)
          .where('port', '=', 'migrated')
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (versions.length === 1) {
      expect(byVersion).toEqual([{ version_id: versions[0].id, current_node: 'w', n: customers }]);
      expect(migratedSteps).toBe(0);
    } else {
      expect(versions.map((version) => version.version)).toEqual([1, 2]);
      expect(byVersion).toEqual([{ version_id: versions[1].id, current_node: 'w', n: customers }]);
      expect(migratedSteps).toBe(customers);
    }
    console.log(
      `[migration crash] ${versions.length === 1 ? 'killed before commit: all on version 1' : 'committed: all on version 2'} (${answer})`,
    );

    // After a restart the journey goes on from whichever state it is in, with nobody lost.
    const again = await startAppProcess({ DATABASE_URL: services.database.url, WAYMARK_ROLE: 'all' });
    apps.push(again);
    const waiting = Number(
      (
        await services.db
          .selectFrom('runs')
          .select(sql<number>`count(*)`.as('n'))
          .where('journey_id', '=', journeyId)
          .where('status', 'in', ['active', 'waiting'])
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(waiting).toBe(customers);
    await again.stop();
  });
});
