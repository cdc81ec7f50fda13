// Starts profiles in a live journey — the one engine function every trigger kind goes through.
// Set-based, so a scheduled trigger or an ingest batch enters thousands of customers in a few statements.
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import { anyOf, queueExecutor } from '../db/database';
import type { DB, RunContext } from '../db/schema';
import { queueNames, wakeChannel } from '../queue/job-queue';
import type { BatchWrites } from './batch-writes';
import { timeOrderedId } from '../db/time-ordered-id';

export interface JourneyEntry {
  profileId: string;
  event: RunContext['event'];
  /** Where the run begins in event time, when not at its trigger event (a journey started by another run). */
  clock?: string;
  clockEvent?: string | null;
  /** Started by a journey (its trait change, or a Start journey step): how deep in such a chain. */
  depth?: number;
}

/**
 * How many journeys in a row may start one another through trait changes and Start journey steps
 * before the next run is stopped: a journey whose change re-triggers itself, or two that trigger
 * each other, would otherwise loop for ever.
 */
export const maxChainDepth = 10;

export interface EnterJourneyManyInput {
  workspaceId: string;
  journeyId: string;
  entries: JourneyEntry[];
  /** The trigger node to start at; the journey's first trigger when absent. */
  triggerNodeId?: string;
  now?: Date;
  /** Inside a step batch: enqueue with the batch's jobs instead of on its own. */
  writes?: BatchWrites;
}

export interface EnterJourneyInput extends Omit<EnterJourneyManyInput, 'entries'> {
  profileId: string;
  event: RunContext['event'];
  clock?: string;
  clockEvent?: string | null;
  depth?: number;
}

export type SkipReason = 'not-live' | 'already-active' | 'no-reentry' | 'too-soon' | 'no-trigger';
export type EnterResult = { entered: true; runId: string } | { entered: false; reason: SkipReason };

/**
 * Creates runs pinned to the journey's live version and enqueues their first steps, in the
 * caller's transaction. Entry rules apply; at most one active run per profile and journey
 * (a unique index). Returns the runs created, by profile.
 */
export async function enterJourneyMany(
  trx: Transaction<DB>,
  boss: PgBoss,
  input: EnterJourneyManyInput,
): Promise<{ runs: Map<string, string>; skipped: SkipReason | null }> {
  const runs = new Map<string, string>();
  if (input.entries.length === 0) return { runs, skipped: null };
  const journey = await trx
    .selectFrom('journeys as j')
    .innerJoin('journey_versions as v', 'v.id', 'j.live_version_id')
    .select([
      'j.status',
      'j.entry_rule',
      'j.reentry_days',
      'v.id as version_id',
      'j.test_version_id',
      'j.test_profile_ids',
      'j.test_speed',
    ])
    .where('j.id', '=', input.journeyId)
    .where('j.workspace_id', '=', input.workspaceId)
    .executeTakeFirst();
  if (!journey || journey.status !== 'live') return { runs, skipped: 'not-live' };

  let triggerNodeId = input.triggerNodeId;
  if (!triggerNodeId) {
    const trigger = await trx
      .selectFrom('journey_triggers')
      .select('node_id')
      .where('version_id', '=', journey.version_id)
      .orderBy('node_id')
      .executeTakeFirst();
    if (!trigger) return { runs, skipped: 'no-trigger' };
    triggerNodeId = trigger.node_id;
  }

  // One entry per profile; locks in a fixed order so entry rules hold under concurrency.
  const byProfile = new Map(input.entries.map((entry) => [entry.profileId, entry]));
  const profileIds = [...byProfile.keys()].sort();
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${input.journeyId} || ':' || p, 0))
            FROM unnest(${profileIds}::uuid[]) AS p ORDER BY p`.execute(trx);
  let eligible = profileIds;
  if (journey.entry_rule !== 'always') {
    const since =
      journey.entry_rule === 'after'
        ? new Date((input.now ?? new Date()).getTime() - (journey.reentry_days ?? 1) * 86_400_000)
        : new Date(0);
    const previous = await trx
      .selectFrom('runs')
      .select('profile_id')
      .distinct()
      .where('journey_id', '=', input.journeyId)
      .where('profile_id', '=', anyOf(profileIds))
      .where('entered_at', '>', since)
      .execute();
    const excluded = new Set(previous.map((row) => row.profile_id));
    eligible = profileIds.filter((id) => !excluded.has(id));
    if (eligible.length === 0)
      return { runs, skipped: journey.entry_rule === 'never' ? 'no-reentry' : 'too-soon' };
  }

  // Test profiles (test mode) enter the journey's test version instead of the live one.
  const testers = new Set(journey.test_version_id ? journey.test_profile_ids : []);
  const contextOf = (entry: JourneyEntry): RunContext => ({
    event: entry.event,
    variables: {},
    ...(entry.clock ? { clock: entry.clock, clockEvent: entry.clockEvent ?? null } : {}),
    ...(entry.depth ? { depth: entry.depth } : {}),
  });
  const rows = eligible.map((profileId) =>
    testers.has(profileId)
      ? {
          profile_id: profileId,
          version_id: journey.test_version_id,
          context: {
            ...contextOf(byProfile.get(profileId)!),
            test: { speed: journey.test_speed },
          } satisfies RunContext,
        }
      : {
          profile_id: profileId,
          version_id: journey.version_id,
          context: contextOf(byProfile.get(profileId)!),
        },
  );
  const inserted = await createRuns(trx, boss, {
    workspaceId: input.workspaceId,
    journeyId: input.journeyId,
    triggerNodeId,
    now: input.now ?? new Date(),
    rows,
    writes: input.writes,
  });
  for (const row of inserted) runs.set(row.profile_id, row.id);
  if (inserted.length === 0) return { runs, skipped: 'already-active' };
  return { runs, skipped: null };
}

/**
 * Inserts runs at the trigger node (a profile already inside the journey is skipped: a unique
 * index) and queues their first steps — with the caller's step batch, or on their own.
 *
 * Run ids are time-ordered: new runs, their steps (keyed by run) and their outbox messages land at
 * the right edge of their indexes, not on a random page of an index that holds every run ever
 * made — which, with a million customers parked in waits, mostly is not in memory.
 */
export async function createRuns(
  trx: Transaction<DB>,
  boss: PgBoss,
  input: {
    workspaceId: string;
    journeyId: string;
    triggerNodeId: string;
    now: Date;
    rows: Array<{ profile_id: string; version_id: string | null; context: RunContext }>;
    writes?: BatchWrites;
  },
): Promise<Array<{ id: string; profile_id: string }>> {
  const inserted = await sql<{ id: string; profile_id: string }>`
    INSERT INTO runs (id, workspace_id, journey_id, version_id, profile_id, current_node, context, entered_at)
    SELECT x.id, ${input.workspaceId}, ${input.journeyId}, x.version_id, x.profile_id, ${input.triggerNodeId}, x.context, ${input.now.toISOString()}
    FROM jsonb_to_recordset(${JSON.stringify(input.rows.map((row) => ({ id: timeOrderedId(), profile_id: row.profile_id, version_id: row.version_id, context: row.context })))}::jsonb) AS x(id uuid, profile_id uuid, version_id uuid, context jsonb)
    ON CONFLICT (journey_id, profile_id) WHERE status IN ('active', 'waiting') DO NOTHING
    RETURNING id, profile_id`.execute(trx);
  if (inserted.rows.length === 0) return [];
  if (input.writes) {
    for (const row of inserted.rows) input.writes.enqueueStep({ runId: row.id, seq: 0 });
  } else {
    for (let start = 0; start < inserted.rows.length; start += 5000) {
      const jobs = inserted.rows
        .slice(start, start + 5000)
        .map((row) => ({ name: queueNames.steps, data: { runId: row.id, seq: 0 } }));
      await boss.insert(jobs, { db: queueExecutor(trx) });
    }
    await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
  }
  return inserted.rows;
}

/** Starts one profile in a journey. */
export async function enterJourney(
  trx: Transaction<DB>,
  boss: PgBoss,
  input: EnterJourneyInput,
): Promise<EnterResult> {
  const { runs, skipped } = await enterJourneyMany(trx, boss, {
    ...input,
    entries: [
      {
        profileId: input.profileId,
        event: input.event,
        clock: input.clock,
        clockEvent: input.clockEvent,
        depth: input.depth,
      },
    ],
  });
  const runId = runs.get(input.profileId);
  return runId ? { entered: true, runId } : { entered: false, reason: skipped ?? 'already-active' };
}
