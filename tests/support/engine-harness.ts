// Drives the journey engine in tests: profiles, publishing, events, the worker, and time.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ingestMessages } from '../../server/ingest/ingest-messages';
import { runOneBatch, wakeDueRuns } from '../../server/engine/worker';
import { publishJourney } from '../../server/journeys/publish-journey';
import { createJourney, setEntryRule } from '../../server/journeys/journey-store';
import { resolveProfile } from '../../server/profiles/profile-store';
import { changeTraits } from '../../server/profiles/trait-changes';
import type { Services } from '../../server/services';
import type { EntryRule } from '../../server/db/schema';
import type { JourneyGraph } from '../../shared/graph';

type GraphNodeInput = { id: string; type: string; config?: Record<string, unknown> };

/** A graph from nodes and `[source, target, port?]` edges, laid out top to bottom. */
export function buildGraph(nodes: GraphNodeInput[], edges: Array<[string, string, string?]>): JourneyGraph {
  return {
    schemaVersion: 1,
    nodes: nodes.map((node, index) => ({
      id: node.id,
      type: node.type,
      position: { x: 0, y: index * 120 },
      config: node.config ?? {},
    })),
    edges: edges.map(([source, target, sourcePort = 'out'], index) => ({
      id: `e${index}`,
      source,
      target,
      sourcePort,
    })),
  };
}

export async function publishGraph(
  services: Services,
  graph: JourneyGraph,
  options: { name?: string; entryRule?: EntryRule; reentryDays?: number } = {},
): Promise<string> {
  const journey = await createJourney(services.db, services.defaultWorkspaceId, {
    name: options.name ?? `Journey ${randomUUID().slice(0, 8)}`,
    draft: graph,
  });
  if (options.entryRule)
    await setEntryRule(
      services.db,
      services.defaultWorkspaceId,
      journey.id,
      options.entryRule,
      options.reentryDays ?? null,
    );
  await publishJourney(services.db, services.registry, services.defaultWorkspaceId, journey.id);
  return journey.id;
}

export async function createProfile(
  services: Services,
  traits: Record<string, unknown> = {},
  userId = `user-${randomUUID()}`,
): Promise<string> {
  return services.db.transaction().execute(async (trx) => {
    const id = await resolveProfile(trx, services.defaultWorkspaceId, { userId });
    await changeTraits(trx, services.boss, [{ profileId: id, set: traits }]);
    return id;
  });
}

/** Tracks an event for a profile through the real ingest path (it starts and resumes journeys). */
export async function track(
  services: Services,
  profileId: string,
  name: string,
  properties: Record<string, unknown> = {},
  occurredAt = new Date(),
) {
  const profile = await services.db
    .selectFrom('profiles')
    .select('user_id')
    .where('id', '=', profileId)
    .executeTakeFirstOrThrow();
  const before = new Date();
  const outcome = await ingestMessages(services, services.defaultWorkspaceId, [
    {
      type: 'track',
      userId: profile.user_id!,
      event: name,
      properties,
      messageId: randomUUID(),
      timestamp: occurredAt.toISOString(),
    },
  ]);
  const started = await services.db
    .selectFrom('runs')
    .select('id')
    .where('profile_id', '=', profileId)
    .where('entered_at', '>=', before)
    .execute();
  return { ...outcome, runsStarted: started.map((run) => run.id), waitsResumed: outcome.waitsResumed };
}

/** Runs step batches until no step job is due. */
export async function drainSteps(services: Services, batchSize = 100): Promise<void> {
  for (let round = 0; round < 100_000; round++) {
    const fetched = await runOneBatch(services, batchSize);
    if (fetched === 0) return;
  }
  throw new Error('the step queue did not drain');
}

/** Lets time pass: every parked wait and delayed job becomes due now; then drains. */
export async function fastForward(services: Services): Promise<void> {
  await sql`UPDATE runs SET wake_at = now() - interval '1 second' WHERE wake_at IS NOT NULL`.execute(
    services.db,
  );
  await sql`UPDATE pgboss.job SET start_after = now() - interval '1 second' WHERE name = 'waymark-steps' AND state IN ('created', 'retry')`.execute(
    services.db,
  );
  while ((await wakeDueRuns(services, 1000)) > 0) {
    /* keep waking */
  }
  await drainSteps(services);
}

export async function runOf(services: Services, journeyId: string, profileId: string) {
  return services.db
    .selectFrom('runs')
    .selectAll()
    .where('journey_id', '=', journeyId)
    .where('profile_id', '=', profileId)
    .orderBy('entered_at', 'desc')
    .executeTakeFirstOrThrow();
}

/** The path a run took: node ids with the port each left by. */
export async function pathOf(services: Services, runId: string): Promise<string[]> {
  const steps = await services.db
    .selectFrom('steps')
    .select(['node_id', 'port', 'outcome'])
    .where('run_id', '=', runId)
    .orderBy('seq')
    .execute();
  return steps.map((step) =>
    step.port ? `${step.node_id}:${step.port}` : `${step.node_id}(${step.outcome})`,
  );
}

export async function messagesOf(services: Services, runId: string) {
  return services.db
    .selectFrom('messages')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('created_at')
    .execute();
}

/** Creates `count` profiles in one statement (for scale and crash tests). */
export async function createProfiles(
  services: Services,
  count: number,
  traits: Record<string, unknown> = {},
): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    INSERT INTO profiles (workspace_id, user_id, traits)
    SELECT ${services.defaultWorkspaceId}, 'bulk-' || gen_random_uuid(), ${JSON.stringify(traits)}::jsonb || jsonb_build_object('email', 'c' || n || '@example.com')
    FROM generate_series(1, ${count}) AS n
    RETURNING id`.execute(services.db);
  return rows.rows.map((row) => row.id);
}

/** Enters profiles into a journey in bulk, as a scheduled trigger would. */
export async function enterMany(
  services: Services,
  journeyId: string,
  profileIds: string[],
): Promise<number> {
  const { enterJourneyMany } = await import('../../server/engine/enter-journey');
  let entered = 0;
  for (let start = 0; start < profileIds.length; start += 5000) {
    const result = await services.db.transaction().execute((trx) =>
      enterJourneyMany(trx, services.boss, {
        workspaceId: services.defaultWorkspaceId,
        journeyId,
        entries: profileIds.slice(start, start + 5000).map((profileId) => ({ profileId, event: null })),
      }),
    );
    entered += result.runs.size;
  }
  return entered;
}
