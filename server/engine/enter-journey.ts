// Starts a profile in a live journey — the one engine function every trigger kind goes through.
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import { queueExecutor } from '../db/database';
import type { DB, RunContext } from '../db/schema';
import { queueNames, wakeChannel } from '../queue/job-queue';
import type { BatchWrites } from './batch-writes';

export interface EnterJourneyInput {
  workspaceId: string;
  journeyId: string;
  profileId: string;
  /** The trigger node to start at; the journey's first trigger when absent. */
  triggerNodeId?: string;
  event: RunContext['event'];
  now?: Date;
  /** Inside a step batch: enqueue with the batch's jobs instead of on its own. */
  writes?: BatchWrites;
}

export type EnterResult =
  | { entered: true; runId: string }
  | { entered: false; reason: 'not-live' | 'already-active' | 'no-reentry' | 'too-soon' | 'no-trigger' };

/**
 * Creates a run pinned to the journey's live version and enqueues its first step, in the caller's
 * transaction. Entry rules apply; at most one active run per profile and journey (a unique index).
 */
export async function enterJourney(trx: Transaction<DB>, boss: PgBoss, input: EnterJourneyInput): Promise<EnterResult> {
  const journey = await trx.selectFrom('journeys as j')
    .innerJoin('journey_versions as v', 'v.id', 'j.live_version_id')
    .select(['j.id', 'j.status', 'j.entry_rule', 'j.reentry_days', 'v.id as version_id', 'v.graph'])
    .where('j.id', '=', input.journeyId).where('j.workspace_id', '=', input.workspaceId)
    .executeTakeFirst();
  if (!journey || journey.status !== 'live') return { entered: false, reason: 'not-live' };

  let triggerNodeId = input.triggerNodeId;
  if (!triggerNodeId) {
    const trigger = await trx.selectFrom('journey_triggers').select('node_id').where('version_id', '=', journey.version_id).orderBy('node_id').executeTakeFirst();
    if (!trigger) return { entered: false, reason: 'no-trigger' };
    triggerNodeId = trigger.node_id;
  }

  // Serialise entries of one profile into one journey, so entry rules hold under concurrency.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${input.journeyId}:${input.profileId}`}, 0))`.execute(trx);
  if (journey.entry_rule !== 'always') {
    let previous = trx.selectFrom('runs').select('id').where('journey_id', '=', input.journeyId).where('profile_id', '=', input.profileId);
    if (journey.entry_rule === 'after') {
      const since = new Date((input.now ?? new Date()).getTime() - (journey.reentry_days ?? 1) * 86_400_000);
      previous = previous.where('entered_at', '>', since);
    }
    if (await previous.limit(1).executeTakeFirst()) return { entered: false, reason: journey.entry_rule === 'never' ? 'no-reentry' : 'too-soon' };
  }

  const context: RunContext = { event: input.event, variables: {} };
  const inserted = await sql<{ id: string }>`
    INSERT INTO runs (workspace_id, journey_id, version_id, profile_id, current_node, context, entered_at)
    VALUES (${input.workspaceId}, ${input.journeyId}, ${journey.version_id}, ${input.profileId}, ${triggerNodeId},
            ${JSON.stringify(context)}::jsonb, ${(input.now ?? new Date()).toISOString()})
    ON CONFLICT (journey_id, profile_id) WHERE status IN ('active', 'waiting') DO NOTHING
    RETURNING id`.execute(trx);
  const runId = inserted.rows[0]?.id;
  if (!runId) return { entered: false, reason: 'already-active' };

  if (input.writes) {
    input.writes.enqueueStep({ runId, seq: 0 });
  } else {
    await boss.insert([{ name: queueNames.steps, data: { runId, seq: 0 } }], { db: queueExecutor(trx) });
    await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
  }
  return { entered: true, runId };
}
