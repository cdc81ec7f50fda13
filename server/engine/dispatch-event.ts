// What an event does to journeys: starts the live journeys it triggers and resumes runs
// waiting for it — in the caller's transaction, so an event is never half-applied.
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import { matchesFilter, type Condition } from '../../shared/conditions';
import { queueExecutor } from '../db/database';
import type { DB } from '../db/schema';
import { queueNames, wakeChannel, type StepJob } from '../queue/job-queue';
import { enterJourney } from './enter-journey';

export interface DispatchedEvent {
  id: string;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

export interface DispatchResult {
  runsStarted: string[];
  waitsResumed: string[];
}

export async function dispatchEvent(
  trx: Transaction<DB>,
  boss: PgBoss,
  input: { workspaceId: string; profileId: string; traits: Record<string, unknown>; event: DispatchedEvent },
): Promise<DispatchResult> {
  const { workspaceId, profileId, event, traits } = input;
  const result: DispatchResult = { runsStarted: [], waitsResumed: [] };
  const filterEnv = { traits, event: event.properties, variables: {} };

  const triggers = await trx.selectFrom('journey_triggers as t')
    .innerJoin('journeys as j', 'j.id', 't.journey_id')
    .select(['t.journey_id', 't.node_id', 't.config'])
    .where('t.workspace_id', '=', workspaceId).where('t.kind', '=', 'event').where('t.event_name', '=', event.name)
    .where('j.status', '=', 'live')
    .orderBy('t.journey_id').orderBy('t.node_id')
    .execute();
  const enteredJourneys = new Set<string>();
  for (const trigger of triggers) {
    if (enteredJourneys.has(trigger.journey_id)) continue;
    const where = (trigger.config as { where?: Condition }).where;
    if (!matchesFilter(where, filterEnv)) continue;
    const entered = await enterJourney(trx, boss, {
      workspaceId, journeyId: trigger.journey_id, profileId, triggerNodeId: trigger.node_id, event,
    });
    if (entered.entered) {
      enteredJourneys.add(trigger.journey_id);
      result.runsStarted.push(entered.runId);
    }
  }

  // Waits claimed here are deleted here: the timeout that races us will find no open wait.
  const waits = await trx.selectFrom('waits').select(['run_id', 'seq', 'filter'])
    .where('profile_id', '=', profileId).where('event', '=', event.name).where('workspace_id', '=', workspaceId)
    .forUpdate().skipLocked().execute();
  const claimed = waits.filter((wait) => matchesFilter((wait.filter as Condition | null) ?? undefined, filterEnv));
  if (claimed.length > 0) {
    await trx.deleteFrom('waits').where('run_id', 'in', claimed.map((wait) => wait.run_id)).execute();
    const jobs: PgBoss.JobInsert<StepJob>[] = claimed.map((wait) => ({
      name: queueNames.steps, data: { runId: wait.run_id, seq: wait.seq, resume: 'event', eventId: event.id },
    }));
    await boss.insert(jobs, { db: queueExecutor(trx) });
    await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
    result.waitsResumed.push(...claimed.map((wait) => wait.run_id));
  }
  return result;
}
