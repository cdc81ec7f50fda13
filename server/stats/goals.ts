// Journey goals: "Order Completed within 7 days of entry". A goal event converts the profile's
// open runs of that journey, attributes the conversion to every node they passed, and ends the
// run when the journey says "exit when converted".
import { anyOf } from '../db/database';
import { sql, type Transaction } from 'kysely';
import { matchesFilter, type Condition } from '../../shared/conditions';
import type { DB, JourneyGoal, RunContext } from '../db/schema';
import { recordStats, type LeftStepForStats } from './rollup';

export interface GoalEvent {
  id: string;
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
export async function lockGoalRuns(
  trx: Transaction<DB>,
  workspaceId: string,
  profileIds: string[],
  names: string[],
) {
  if (profileIds.length === 0 || names.length === 0) return [];
  return trx
    .selectFrom('runs as r')
    .innerJoin('journeys as j', 'j.id', 'r.journey_id')
    .select([
      'r.id',
      'r.seq',
      'r.status',
      'r.profile_id',
      'r.entered_at',
      'r.version_id',
      'r.current_node',
      'r.context',
      'j.goal',
    ])
    .where('r.workspace_id', '=', workspaceId)
    .where('r.profile_id', '=', anyOf(profileIds))
    .where('r.converted_at', 'is', null)
    .where(sql<boolean>`j.goal ->> 'event' = ANY(${names}::text[])`)
    .orderBy('r.id')
    .forUpdate('r')
    .execute();
}

export type GoalCandidate = Awaited<ReturnType<typeof lockGoalRuns>>[number];

/**
 * Run in the ingest transaction, with what lockGoalRuns locked. A run converts on the first goal
 * event (in event time) after it entered and inside the goal window; it is converted at that
 * event's time. A waiting run leaves its wait then, when the journey exits on conversion; a run on
 * its way between waits is left to the engine, which ends it at its next wait — it may still have
 * steps to take that came before the conversion in event time.
 */
export async function convertGoals(
  trx: Transaction<DB>,
  candidates: readonly GoalCandidate[],
  events: GoalEvent[],
  now: Date,
): Promise<number> {
  if (events.length === 0 || candidates.length === 0) return 0;
  const converted: Array<GoalCandidate & { at: string }> = [];
  for (const run of candidates) {
    const goal = run.goal as JourneyGoal;
    const context = run.context as RunContext;
    const entered = context.enteredClock ? Date.parse(context.enteredClock) : run.entered_at.getTime() - 1000;
    const entryEvent = context.enteredClock ? (context.event?.id ?? null) : null;
    const until = entered + goal.windowDays * 86_400_000;
    let first: GoalEvent | null = null;
    for (const event of events) {
      const at = event.occurredAt.getTime();
      if (event.profileId !== run.profile_id || event.name !== goal.event || at > until) continue;
      if (at < entered || (at === entered && entryEvent !== null && event.id <= entryEvent)) continue;
      if (
        !matchesFilter(goal.where as Condition | undefined, {
          traits: {},
          event: event.properties,
          variables: {},
        })
      )
        continue;
      if (!first || at < first.occurredAt.getTime()) first = event;
    }
    if (first) converted.push({ ...run, at: first.occurredAt.toISOString() });
  }
  if (converted.length === 0) return 0;
  const at = now.toISOString();
  let closedSteps: LeftStepForStats[] = [];
  // Only a run still in a wait the conversion came inside of (in event time): a wait whose timer was
  // due before it, or whose event came first (its resume still queued), has ended already.
  const answered = new Set<string>();
  const awaiting = converted.filter(
    (run) => (run.context as RunContext).awaitsEvent && run.status === 'waiting',
  );
  if (awaiting.length > 0) {
    const open = await trx
      .selectFrom('waits')
      .select('run_id')
      .where('run_id', '=', anyOf(awaiting.map((run) => run.id)))
      .execute();
    const stillOpen = new Set(open.map((row) => row.run_id));
    for (const run of awaiting) if (!stillOpen.has(run.id)) answered.add(run.id);
  }
  const exiting = converted.filter((run) => {
    const context = run.context as RunContext;
    return (
      (run.goal as JourneyGoal).exitOnConversion &&
      run.status === 'waiting' &&
      !answered.has(run.id) &&
      !(context.waitUntil && Date.parse(context.waitUntil) < Date.parse(run.at))
    );
  });
  await sql`
    UPDATE runs r SET converted_at = x.at FROM unnest(${converted.map((run) => run.id)}::uuid[], ${converted.map((run) => run.at)}::timestamptz[]) AS x(id, at)
    WHERE r.id = x.id`.execute(trx);
  if (exiting.length > 0) {
    const ids = exiting.map((run) => run.id);
    // Moving seq on makes any job still queued for the run stale.
    await trx
      .updateTable('runs')
      .set({ status: 'exited', ended_at: at, wake_at: null, seq: sql`seq + 1`, error: null })
      .where('id', '=', anyOf(ids))
      .execute();
    await trx.deleteFrom('waits').where('run_id', '=', anyOf(ids)).execute();
    const closed = await sql<{ version_id: string; node_id: string }>`
      UPDATE steps SET left_at = ${at}, outcome = 'exited', port = 'converted'
      WHERE (run_id, seq) IN (SELECT * FROM unnest(${ids}::uuid[], ${exiting.map((run) => run.seq)}::int[])) AND left_at IS NULL
      RETURNING version_id, node_id`.execute(trx);
    closedSteps = closed.rows.map((row) => ({
      ...row,
      port: 'converted',
      outcome: 'exited' as const,
      left_at: at,
    }));
  }
  await recordStats(trx, {
    leftSteps: closedSteps,
    conversions: converted.map((run) => ({ runId: run.id })),
    now,
  });
  return converted.length;
}
