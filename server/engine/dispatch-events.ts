// What new events do to journeys: start the live journeys they trigger (event, threshold and
// segment triggers) and resume runs waiting for them — set-based, in the caller's transaction,
// so an ingest batch is never half-applied.
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import { matchesFilter, type Condition } from '../../shared/conditions';
import { anyOf, queueExecutor } from '../db/database';
import type { DB } from '../db/schema';
import { queueNames, wakeChannel, type StepJob } from '../queue/job-queue';
import { enterJourneyMany, type JourneyEntry } from './enter-journey';

export interface DispatchedEvent {
  id: string;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

export interface EventForDispatch {
  profileId: string;
  event: DispatchedEvent;
}

/** A profile whose traits changed, for "entered segment" triggers. */
export interface TraitChange {
  profileId: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** Made by a journey: how deep its run was in a chain of journeys starting journeys. */
  depth?: number;
}

/** A profile's aggregate of one event before and after this batch, for threshold triggers. */
export interface MetricChange {
  profileId: string;
  event: string;
  before: { count: number; sums: Record<string, number> };
  after: { count: number; sums: Record<string, number> };
  /** This batch's events of that name for the profile, in event time: the one that crossed a level starts the run. */
  events: DispatchedEvent[];
}

export interface DispatchInput {
  workspaceId: string;
  events: EventForDispatch[];
  traitChanges?: TraitChange[];
  metricChanges?: MetricChange[];
  /** Current traits of every profile involved (for trigger filters). */
  traits: Map<string, Record<string, unknown>>;
  /** The group of every profile involved that has one, as conditions read it (traits and id). */
  groups?: Map<string, Record<string, unknown>>;
}

export interface DispatchResult {
  runsStarted: string[];
  waitsResumed: string[];
}

type TriggerRow = {
  journey_id: string;
  node_id: string;
  kind: string;
  event_name: string | null;
  config: Record<string, unknown>;
};

export interface ThresholdConfig {
  measure: 'count' | 'sum' | 'inactivity';
  property?: string;
  op: 'gte' | 'gt';
  value: number;
  windowDays?: number;
}

function crossed(config: ThresholdConfig, before: number, after: number): boolean {
  const passes = (value: number) => (config.op === 'gte' ? value >= config.value : value > config.value);
  return !passes(before) && passes(after);
}

/**
 * The event of a batch that took a profile's total across a threshold trigger's level (the third
 * order of four sent together, not the fourth), or null when the batch did not cross it.
 */
export function crossingEvent(config: ThresholdConfig, change: MetricChange): DispatchedEvent | null {
  const measure = (side: MetricChange['before']) =>
    config.measure === 'count' ? side.count : (side.sums[config.property ?? ''] ?? 0);
  if (!crossed(config, measure(change.before), measure(change.after))) return null;
  let total = measure(change.before);
  for (const event of change.events) {
    const before = total;
    if (config.measure === 'count') total += 1;
    else {
      const value = event.properties[config.property ?? ''];
      if (typeof value === 'number' && Number.isFinite(value)) total += value;
    }
    if (crossed(config, before, total)) return event;
  }
  return change.events.at(-1) ?? null;
}

export async function dispatchEvents(
  trx: Transaction<DB>,
  boss: PgBoss,
  input: DispatchInput,
): Promise<DispatchResult> {
  const result: DispatchResult = { runsStarted: [], waitsResumed: [] };
  const { workspaceId } = input;
  // In the order they happened (ties: batch order): a trigger and the event its journey then waits
  // for, sent together, act as if sent one by one.
  const events = inEventTimeOrder(input.events);
  const names = [...new Set(events.map((item) => item.event.name))];
  const hasTraitChanges = (input.traitChanges?.length ?? 0) > 0;
  if (names.length === 0 && !hasTraitChanges) return result;

  let triggerQuery = trx
    .selectFrom('journey_triggers as t')
    .innerJoin('journeys as j', 'j.id', 't.journey_id')
    .select(['t.journey_id', 't.node_id', 't.kind', 't.event_name', 't.config'])
    .where('t.workspace_id', '=', workspaceId)
    .where('j.status', '=', 'live');
  triggerQuery = triggerQuery.where((eb) =>
    eb.or([
      ...(names.length > 0 ? [eb('t.event_name', '=', anyOf(names, 'text'))] : []),
      ...(hasTraitChanges ? [eb('t.kind', '=', 'segment')] : []),
    ]),
  );
  const triggers = (await triggerQuery
    .orderBy('t.journey_id')
    .orderBy('t.node_id')
    .execute()) as TriggerRow[];

  // Entries per (journey, trigger node), first qualifying event per profile.
  const entries = new Map<
    string,
    { journeyId: string; nodeId: string; entries: Map<string, JourneyEntry> }
  >();
  const addEntry = (
    trigger: TriggerRow,
    profileId: string,
    event: DispatchedEvent | null,
    depth?: number,
  ) => {
    const key = `${trigger.journey_id}\u0000${trigger.node_id}`;
    let group = entries.get(key);
    if (!group)
      entries.set(
        key,
        (group = { journeyId: trigger.journey_id, nodeId: trigger.node_id, entries: new Map() }),
      );
    if (!group.entries.has(profileId))
      group.entries.set(profileId, depth ? { profileId, event, depth } : { profileId, event });
  };

  for (const trigger of triggers) {
    if (trigger.kind === 'event') {
      const where = (trigger.config as { where?: Condition }).where;
      for (const item of events) {
        if (item.event.name !== trigger.event_name) continue;
        if (
          matchesFilter(where, {
            traits: input.traits.get(item.profileId) ?? {},
            event: item.event.properties,
            variables: {},
            group: input.groups?.get(item.profileId) ?? null,
          })
        ) {
          addEntry(trigger, item.profileId, item.event);
        }
      }
    } else if (trigger.kind === 'threshold') {
      const config = trigger.config as unknown as ThresholdConfig;
      if (config.measure === 'inactivity' || config.windowDays) continue; // from the schedule
      for (const change of input.metricChanges ?? []) {
        if (change.event !== trigger.event_name) continue;
        const crossing = crossingEvent(config, change);
        if (crossing) addEntry(trigger, change.profileId, crossing);
      }
    } else if (trigger.kind === 'segment') {
      const condition = (trigger.config as { condition?: Condition }).condition;
      if (!condition || condition.rules.length === 0) continue;
      for (const change of input.traitChanges ?? []) {
        const env = (traits: Record<string, unknown>) => ({
          traits,
          event: null,
          variables: {},
          group: input.groups?.get(change.profileId) ?? null,
        });
        if (!matchesFilter(condition, env(change.before)) && matchesFilter(condition, env(change.after)))
          addEntry(trigger, change.profileId, null, change.depth);
      }
    }
  }

  // A journey is entered once per profile even when two of its triggers match.
  const enteredJourneys = new Map<string, Set<string>>();
  for (const group of entries.values()) {
    const already = enteredJourneys.get(group.journeyId) ?? new Set<string>();
    const fresh = [...group.entries.values()].filter((entry) => !already.has(entry.profileId));
    if (fresh.length === 0) continue;
    const { runs } = await enterJourneyMany(trx, boss, {
      workspaceId,
      journeyId: group.journeyId,
      triggerNodeId: group.nodeId,
      entries: fresh,
    });
    for (const [profileId, runId] of runs) {
      already.add(profileId);
      result.runsStarted.push(runId);
    }
    enteredJourneys.set(group.journeyId, already);
  }

  // Waits claimed here are deleted here: the timeout that races us will find no open wait. Not
  // SKIP LOCKED: a wait another transaction holds is waited for, never passed over. (The caller
  // holds the profiles FOR UPDATE, and the engine takes them before it touches waits: no wait
  // is created between this read and the commit.)
  if (names.length > 0) {
    const profileIds = [...new Set(events.map((item) => item.profileId))];
    const waits = await trx
      .selectFrom('waits')
      .select(['run_id', 'seq', 'profile_id', 'event', 'filter', 'reached_at', 'after_event', 'expires_at'])
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', '=', anyOf(profileIds))
      .where('event', '=', anyOf(names, 'text'))
      .orderBy('run_id')
      .forUpdate()
      .execute();
    const jobs: PgBoss.JobInsert<StepJob>[] = [];
    for (const wait of waits) {
      // The first event, in event time, after the run reached the wait and before its timeout.
      const match = events.find(
        (item) =>
          item.profileId === wait.profile_id &&
          item.event.name === wait.event &&
          answersWait(item.event, wait) &&
          matchesFilter((wait.filter as Condition | null) ?? undefined, {
            traits: input.traits.get(item.profileId) ?? {},
            event: item.event.properties,
            variables: {},
            group: input.groups?.get(item.profileId) ?? null,
          }),
      );
      if (!match) continue;
      jobs.push({
        name: queueNames.steps,
        data: { runId: wait.run_id, seq: wait.seq, resume: 'event', eventId: match.event.id },
      });
      result.waitsResumed.push(wait.run_id);
    }
    if (jobs.length > 0) {
      await trx.deleteFrom('waits').where('run_id', '=', anyOf(result.waitsResumed)).execute();
      await boss.insert(jobs, { db: queueExecutor(trx) });
      await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
    }
  }
  return result;
}

/** Events sorted by when they happened; a stable sort, so ties keep batch order. */
export function inEventTimeOrder<T extends { event: { occurredAt: string } }>(events: readonly T[]): T[] {
  return events
    .map((item, index) => ({ item, index, at: Date.parse(item.event.occurredAt) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ item }) => item);
}

/**
 * Whether an event answers a wait: it happened at or after the moment the run reached the wait (at
 * that very millisecond only when it came after the event that brought the run there), and before
 * the wait's timeout. A wait from before event time takes any event before its timeout.
 */
export function answersWait(
  event: { id: string; occurredAt: string },
  wait: { reached_at: Date | null; after_event: string | null; expires_at: Date },
): boolean {
  const at = Date.parse(event.occurredAt);
  if (at >= wait.expires_at.getTime()) return false;
  if (!wait.reached_at) return true;
  const reached = wait.reached_at.getTime();
  return at > reached || (at === reached && (wait.after_event === null || event.id > wait.after_event));
}
