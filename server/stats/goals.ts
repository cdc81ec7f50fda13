// Journey goals: "Order Completed within 7 days of entry". A goal event converts the profile's
// open runs of that journey, attributes the conversion to every node they passed, and ends the
// run when the journey says "exit when converted".
import { anyOf } from '../db/database';
import { sql, type Transaction } from 'kysely';
import { matchesFilter, type Condition } from '../../shared/conditions';
import type { DB, JourneyGoal } from '../db/schema';
import { recordStats, type LeftStepForStats } from './rollup';

export interface GoalEvent {
  profileId: string;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * Locks the runs a batch's events might convert, and returns them for convertGoals. Ingest calls it
 * before it locks profiles and inserts events: runs, then profiles, in every transaction that takes
 * both — so none deadlock.
 */
export async function lockGoalRuns(trx: Transaction<DB>, workspaceId: string, profileIds: string[], names: string[]) {
  if (profileIds.length === 0 || names.length === 0) return [];
  return trx.selectFrom('runs as r').innerJoin('journeys as j', 'j.id', 'r.journey_id')
    .select(['r.id', 'r.seq', 'r.status', 'r.profile_id', 'r.entered_at', 'r.version_id', 'r.current_node', 'j.goal'])
    .where('r.workspace_id', '=', workspaceId).where('r.profile_id', '=', anyOf(profileIds)).where('r.converted_at', 'is', null)
    .where(sql<boolean>`j.goal ->> 'event' = ANY(${names}::text[])`)
    .orderBy('r.id').forUpdate('r').execute();
}

export type GoalCandidate = Awaited<ReturnType<typeof lockGoalRuns>>[number];

/** Run in the ingest transaction, with what lockGoalRuns locked. */
export async function convertGoals(trx: Transaction<DB>, candidates: readonly GoalCandidate[], events: GoalEvent[], now: Date): Promise<number> {
  if (events.length === 0 || candidates.length === 0) return 0;
  const converted: GoalCandidate[] = [];
  for (const run of candidates) {
    const goal = run.goal as JourneyGoal;
    const until = run.entered_at.getTime() + goal.windowDays * 86_400_000;
    const hit = events.some((event) => event.profileId === run.profile_id && event.name === goal.event
      && event.occurredAt.getTime() >= run.entered_at.getTime() - 1000 && event.occurredAt.getTime() <= until
      && matchesFilter(goal.where as Condition | undefined, { traits: {}, event: event.properties, variables: {} }));
    if (hit) converted.push(run);
  }
  if (converted.length === 0) return 0;
  const at = now.toISOString();
  let closedSteps: LeftStepForStats[] = [];
  const exiting = converted.filter((run) => (run.goal as JourneyGoal).exitOnConversion && (run.status === 'active' || run.status === 'waiting'));
  await trx.updateTable('runs').set({ converted_at: at }).where('id', '=', anyOf(converted.map((run) => run.id))).execute();
  if (exiting.length > 0) {
    const ids = exiting.map((run) => run.id);
    // Moving seq on makes any job still queued for the run stale.
    await trx.updateTable('runs').set({ status: 'exited', ended_at: at, wake_at: null, seq: sql`seq + 1`, error: null }).where('id', '=', anyOf(ids)).execute();
    await trx.deleteFrom('waits').where('run_id', '=', anyOf(ids)).execute();
    const closed = await sql<{ version_id: string; node_id: string }>`
      UPDATE steps SET left_at = ${at}, outcome = 'exited', port = 'converted'
      WHERE (run_id, seq) IN (SELECT * FROM unnest(${ids}::uuid[], ${exiting.map((run) => run.seq)}::int[])) AND left_at IS NULL
      RETURNING version_id, node_id`.execute(trx);
    closedSteps = closed.rows.map((row) => ({ ...row, port: 'converted', outcome: 'exited' as const, left_at: at }));
  }
  await recordStats(trx, { leftSteps: closedSteps, conversions: converted.map((run) => ({ runId: run.id })), now });
  return converted.length;
}
