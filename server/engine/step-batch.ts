// The interpreter: moves each run of a batch of step jobs through its published graph, node by node,
// until it waits, ends or fails — all inside the caller's transaction (exactly once).
import { countStep } from '../metrics';
import { anyOf, type Executor } from '../db/database';
import { sql, type Transaction } from 'kysely';
import { matchesFilter, type Condition } from '../../shared/conditions';
import type PgBoss from 'pg-boss';
import type {
  EventView,
  NodeResult,
  NodeTypeRegistry,
  ProfileView,
  ResumeReason,
} from '../../shared/node-type';
import type { DB, JourneyGoal, NewStep, RunContext, RunStatus } from '../db/schema';
import type { StepJob } from '../queue/job-queue';
import { BatchWrites, type RunUpdate } from './batch-writes';
import { loadVersions, type CompiledVersion } from './compiled-version';
import { createNodeContext, emptyStagedWrites, NodeFailure, type StagedWrites } from './node-context';
import { enterJourney, maxChainDepth } from './enter-journey';

/** Waits shorter than this become delayed queue jobs; longer ones park on `runs.wake_at`. */
export const shortWaitMilliseconds = 60_000;
/** A node that throws is retried this often (with backoff) before the run fails. */
export const maxAttempts = 5;
/** Instant nodes one job may carry a run through before it hands over to a new job. */
const maxHopsPerJob = 200;
/** How often a run held by a paused journey looks again. */
const pausedRecheckMilliseconds = 30_000;

export interface EngineDeps {
  boss: PgBoss;
  registry: NodeTypeRegistry;
  now?: () => Date;
}

export interface BatchResult {
  advanced: number;
  stale: number;
}

function eventView(row: { id: string; name: string; properties: unknown; occurred_at: Date }): EventView {
  return {
    id: row.id,
    name: row.name,
    properties: (row.properties ?? {}) as Record<string, unknown>,
    occurredAt: row.occurred_at.toISOString(),
  };
}

export function retryDelaySeconds(attempt: number): number {
  return Math.min(2 ** attempt, 300);
}

/** Runs a batch of step jobs. The caller completes the jobs in the same transaction. */
export async function runStepBatch(
  trx: Transaction<DB>,
  deps: EngineDeps,
  jobs: StepJob[],
): Promise<BatchResult> {
  const now = deps.now?.() ?? new Date();
  const writes = new BatchWrites();
  const runIds = [...new Set(jobs.map((job) => job.runId))];
  // Locked in id order, so concurrent batches never deadlock on runs; their profiles and whether
  // their journey is paused come in the same query.
  const rows =
    runIds.length === 0
      ? []
      : await trx
          .selectFrom('runs as r')
          .leftJoin('profiles as p', 'p.id', 'r.profile_id')
          .leftJoin('journeys as j', 'j.id', 'r.journey_id')
          .leftJoin('groups as g', (join) =>
            join.onRef('g.workspace_id', '=', 'p.workspace_id').onRef('g.group_id', '=', 'p.group_id'),
          )
          .select([
            'r.id',
            'r.workspace_id',
            'r.journey_id',
            'r.version_id',
            'r.profile_id',
            'r.status',
            'r.current_node',
            'r.seq',
            'r.context',
            'r.attempts',
            'r.converted_at',
            'p.user_id as profile_user_id',
            'p.traits as profile_traits',
            'p.tags as profile_tags',
            'g.group_id as profile_group_id',
            'g.traits as profile_group_traits',
            'j.status as journey_status',
            'j.goal as journey_goal',
          ])
          .where('r.id', '=', anyOf(runIds))
          .orderBy('r.id')
          .forUpdate('r')
          .execute();
  const runs = rows.map(
    ({
      profile_user_id: _userId,
      profile_traits: _traits,
      profile_tags: _tags,
      profile_group_id: _groupId,
      profile_group_traits: _groupTraits,
      journey_status: _status,
      journey_goal: _goal,
      ...run
    }) => run,
  );
  const goals = new Map(
    rows.map((row) => [row.journey_id, (row.journey_goal as JourneyGoal | null) ?? null]),
  );
  // The profiles of the batch's runs, locked FOR KEY SHARE (after the runs, in id order: the order
  // ingest takes them in too) before anything reads or writes waits. Ingest holds a profile FOR
  // UPDATE from before it stores a customer's events until it commits, so a wait is created (and
  // its look-back into the event log run) either wholly before or wholly after any ingest batch of
  // that customer: an event is never stored between the look-back and the wait becoming visible.
  let profilesLocked = false;
  const lockProfiles = async () => {
    if (profilesLocked) return;
    profilesLocked = true;
    const ids = [...new Set(runs.map((run) => run.profile_id))].sort();
    if (ids.length > 0)
      await sql`SELECT id FROM profiles WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR KEY SHARE`.execute(
        trx,
      );
  };
  const runsById = new Map(runs.map((run) => [run.id, run]));
  const versions = await loadVersions(
    trx,
    runs.map((run) => run.version_id),
    deps.registry,
  );
  const profiles = new Map<string, ProfileView>();
  const paused = new Set<string>();
  for (const row of rows) {
    if (row.profile_traits !== null)
      profiles.set(row.profile_id, {
        id: row.profile_id,
        userId: row.profile_user_id,
        traits: row.profile_traits as Record<string, unknown>,
        tags: row.profile_tags ?? [],
        group:
          row.profile_group_id === null
            ? null
            : { id: row.profile_group_id, traits: row.profile_group_traits as Record<string, unknown> },
      });
    if (row.journey_status === 'paused') paused.add(row.journey_id);
  }
  const eventIds = jobs.map((job) => job.eventId).filter((id): id is string => Boolean(id));
  const resumeEvents = new Map<string, EventView>();
  if (eventIds.length > 0) {
    const rows = await trx
      .selectFrom('events')
      .select(['id', 'name', 'properties', 'occurred_at'])
      .where('id', '=', anyOf(eventIds))
      .execute();
    for (const row of rows) resumeEvents.set(row.id, eventView(row));
  }
  const timeouts = jobs.filter((job) => job.resume === 'timer').map((job) => job.runId);
  const openWaits = new Set<string>();
  if (timeouts.length > 0) {
    // Read after the profile locks: an ingest batch that claimed one of these waits for an event
    // has committed by then, and its wait is gone.
    await lockProfiles();
    const rows = await trx
      .selectFrom('waits')
      .select(['run_id', 'seq'])
      .where('run_id', '=', anyOf(timeouts))
      .execute();
    for (const row of rows) openWaits.add(`${row.run_id}:${row.seq}`);
  }

  const entryConversions = await lookBackForGoals(trx, jobs, runsById, goals, now);
  const batch: BatchScope = { trx, goals, lockProfiles, entryConversions };

  let advanced = 0;
  let stale = 0;
  const seen = new Set<string>();
  for (const job of jobs) {
    const run = runsById.get(job.runId);
    const current = run && writes.runUpdates.get(run.id);
    const seq = current?.seq ?? run?.seq;
    const status = current?.status ?? run?.status;
    const expected: RunStatus = job.resume ? 'waiting' : 'active';
    // The seq guard: a duplicate, stale or superseded job changes nothing.
    if (!run || seen.has(`${job.runId}:${job.seq}`) || seq !== job.seq || status !== expected) {
      stale++;
      continue;
    }
    if (paused.has(run.journey_id)) {
      seen.add(`${job.runId}:${job.seq}`);
      // A paused journey holds its runs where they are; look again later.
      writes.enqueueStep(job, new Date(now.getTime() + pausedRecheckMilliseconds));
      stale++;
      continue;
    }
    const version = versions.get(run.version_id);
    const profile = profiles.get(run.profile_id);
    if (!version || !profile) {
      seen.add(`${job.runId}:${job.seq}`);
      failRun(
        writes,
        run,
        null,
        `the run's ${!version ? 'journey version' : 'profile'} no longer exists`,
        now,
      );
      advanced++;
      continue;
    }
    let resume: ResumeReason | null = null;
    if (job.resume === 'event') {
      const event = job.eventId ? resumeEvents.get(job.eventId) : undefined;
      if (!event) {
        stale++;
        continue;
      }
      resume = { kind: 'event', event };
    } else if (job.resume === 'timer') {
      const node = version.nodes.get(run.current_node);
      if (node?.definition?.type === 'wait.event' || openWaits.has(`${run.id}:${run.seq}`)) {
        // A timeout only counts while the wait is still open: an event may have claimed it first.
        if (!openWaits.has(`${run.id}:${run.seq}`)) {
          stale++;
          continue;
        }
        writes.waitDeletes.push(run.id);
        resume = { kind: 'timeout' };
      } else {
        resume = { kind: 'timer' };
      }
    }
    // Marked only now: a stale timeout in the same batch must not shadow the event that won.
    seen.add(`${job.runId}:${job.seq}`);
    await advanceRun(batch, deps, writes, { ...run, seq: job.seq }, version, profile, resume, now);
    advanced++;
  }

  for (const start of writes.journeyStarts) {
    await enterJourney(trx, deps.boss, { ...start, now, writes });
  }
  if (writes.waitDeletes.length > 0 || writes.waitInserts.length > 0) await lockProfiles();
  await writes.flush(trx, deps.boss, now);
  return { advanced, stale };
}

type LockedRun = {
  id: string;
  workspace_id: string;
  journey_id: string;
  version_id: string;
  profile_id: string;
  status: RunStatus;
  current_node: string;
  seq: number;
  context: RunContext;
  attempts: number;
  converted_at: Date | null;
};

function baseUpdate(run: LockedRun): RunUpdate {
  return {
    id: run.id,
    status: run.status,
    current_node: run.current_node,
    seq: run.seq,
    context: run.context,
    attempts: run.attempts,
    error: null,
    wake_at: null,
    ended_at: null,
    converted_at: run.converted_at ? run.converted_at.toISOString() : null,
  };
}

/** A new step row. */
function newStep(
  run: LockedRun,
  nodeId: string,
  seq: number,
  at: string,
  leftAt: string | null,
  port: string | null,
  outcome: NonNullable<NewStep['outcome']>,
  error: string | null = null,
): NewStep {
  return {
    run_id: run.id,
    seq,
    workspace_id: run.workspace_id,
    journey_id: run.journey_id,
    version_id: run.version_id,
    node_id: nodeId,
    entered_at: at,
    left_at: leftAt,
    port,
    outcome,
    error,
  };
}

function failRun(
  writes: BatchWrites,
  run: LockedRun,
  nodeId: string | null,
  reason: string,
  now: Date,
  stepIsOpen = false,
): void {
  const at = now.toISOString();
  if (nodeId) {
    const step = {
      run_id: run.id,
      seq: run.seq,
      version_id: run.version_id,
      node_id: nodeId,
      left_at: at,
      port: null,
      outcome: 'failed' as const,
      error: reason,
    };
    if (stepIsOpen) writes.leftSteps.push(step);
    else writes.newSteps.push(newStep(run, nodeId, run.seq, at, at, null, 'failed', reason));
  }
  writes.runUpdates.set(run.id, { ...baseUpdate(run), status: 'failed', error: reason, ended_at: at });
}

interface BatchScope {
  trx: Transaction<DB>;
  goals: Map<string, JourneyGoal | null>;
  lockProfiles: () => Promise<void>;
  /** Runs on their first step that a goal event already stored converts: when (event time). */
  entryConversions: Map<string, string>;
}

/** How many events of one name a look-back reads before it gives up on a filter (the rest wait for dispatch). */
const lookBackLimit = 100;

/** Where a run is in event time: a moment, and the event that brought it there (ties go by event id). */
interface Position {
  at: Date;
  eventId: string | null;
}

function comesAfter(event: { occurred_at: Date; id: string }, position: Position): boolean {
  const at = event.occurred_at.getTime();
  const from = position.at.getTime();
  return at > from || (at === from && (position.eventId === null || event.id > position.eventId));
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

/** The run's position when it entered, before its first step. */
function entryPosition(run: LockedRun, now: Date): Position {
  if (run.context.clock) return { at: new Date(run.context.clock), eventId: run.context.clockEvent ?? null };
  const event = run.context.event;
  if (run.seq === 0 && event) return { at: earlier(new Date(event.occurredAt), now), eventId: event.id };
  return { at: now, eventId: null };
}

/** The goal look-back's one read of the event log for a batch of runs (exported for the test of its plan). */
export function goalLookBackStatement(
  runs: ReadonlyArray<{ runId: string; profileId: string; event: string; since: Date; until: Date }>,
) {
  return sql<{ run_id: string; id: string; occurred_at: Date; properties: Record<string, unknown> }>`
    SELECT w.run_id, e.id, e.occurred_at, e.properties
    FROM unnest(${runs.map((w) => w.runId)}::uuid[], ${runs.map((w) => w.profileId)}::uuid[], ${runs.map((w) => w.event)}::text[],
      ${runs.map((w) => w.since.toISOString())}::timestamptz[], ${runs.map((w) => w.until.toISOString())}::timestamptz[]) AS w(run_id, profile_id, name, since, until)
    CROSS JOIN LATERAL (
      SELECT e.id, e.occurred_at, e.properties FROM events e
      WHERE e.profile_id = w.profile_id AND e.name = w.name AND e.occurred_at >= w.since AND e.occurred_at <= w.until AND e.type IN ('track', 'page', 'screen')
      ORDER BY e.occurred_at, e.id LIMIT ${lookBackLimit}
    ) e`;
}

/**
 * Runs on their first step whose journey has a goal: a goal event the customer did after entering
 * (in event time) may already be stored — in the same batch as the trigger, or in one that came
 * while the run was queued. One query for the whole batch.
 */
async function lookBackForGoals(
  trx: Transaction<DB>,
  jobs: StepJob[],
  runs: Map<string, LockedRun>,
  goals: Map<string, JourneyGoal | null>,
  now: Date,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const wanted = jobs.flatMap((job) => {
    const run = runs.get(job.runId);
    const goal = run && goals.get(run.journey_id);
    if (
      !run ||
      !goal ||
      job.resume ||
      job.seq !== 0 ||
      run.seq !== 0 ||
      run.converted_at ||
      run.status !== 'active'
    )
      return [];
    const from = entryPosition(run, now);
    return [{ run, goal, from, until: new Date(from.at.getTime() + goal.windowDays * 86_400_000) }];
  });
  if (wanted.length === 0) return found;
  const rows = await goalLookBackStatement(
    wanted.map((w) => ({
      runId: w.run.id,
      profileId: w.run.profile_id,
      event: w.goal.event,
      since: w.from.at,
      until: w.until,
    })),
  ).execute(trx);
  const byRun = new Map(wanted.map((w) => [w.run.id, w]));
  for (const row of rows.rows) {
    const w = byRun.get(row.run_id)!;
    if (found.has(row.run_id) || !comesAfter(row, w.from)) continue;
    // The goal's filter reads the event, as ingest reads it (convertGoals).
    if (
      !matchesFilter(w.goal.where as Condition | undefined, {
        traits: {},
        event: row.properties ?? {},
        variables: {},
      })
    )
      continue;
    found.set(row.run_id, row.occurred_at.toISOString());
  }
  return found;
}

/**
 * The look-back of a wait for an event: the first matching event of the customer after the run
 * reached the wait (in event time) and before `until` — stored before the wait existed, in the same
 * ingest batch as the trigger, or while the run was on its way here. Read by the index on
 * (profile, name, occurred_at), under the profile locks (see lockProfiles).
 */
/** The look-back's read of the event log (exported for the test of its plan). */
export function waitLookBackQuery(
  db: Executor,
  input: { profileId: string; event: string; since: Date; until: Date },
) {
  return db
    .selectFrom('events')
    .select(['id', 'name', 'properties', 'occurred_at'])
    .where('profile_id', '=', input.profileId)
    .where('name', '=', input.event)
    .where('occurred_at', '>=', input.since)
    .where('occurred_at', '<', input.until)
    .where('type', 'in', ['track', 'page', 'screen'])
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(lookBackLimit);
}

async function lookBackForWait(
  batch: BatchScope,
  input: {
    profileId: string;
    event: string;
    where?: Condition;
    traits: Record<string, unknown>;
    variables: Record<string, unknown>;
    from: Position;
    until: Date;
  },
): Promise<EventView | null> {
  await batch.lockProfiles();
  const rows = await waitLookBackQuery(batch.trx, {
    profileId: input.profileId,
    event: input.event,
    since: input.from.at,
    until: input.until,
  }).execute();
  for (const row of rows) {
    if (!comesAfter(row, input.from)) continue;
    if (
      matchesFilter(input.where, {
        traits: input.traits,
        event: (row.properties ?? {}) as Record<string, unknown>,
        variables: input.variables,
      })
    )
      return eventView(row);
  }
  return null;
}

async function advanceRun(
  batch: BatchScope,
  deps: EngineDeps,
  writes: BatchWrites,
  run: LockedRun,
  version: CompiledVersion,
  profile: ProfileView,
  firstResume: ResumeReason | null,
  now: Date,
): Promise<void> {
  const { trx } = batch;
  const at = now.toISOString();
  let nodeId = run.current_node;
  let seq = run.seq;
  let resume = firstResume;
  // Whether the current step is already written (open, waiting) — the step a resume closes.
  let stepIsOpen = resume !== null;
  let variables = run.context.variables ?? {};
  let converted = run.converted_at ? run.converted_at.toISOString() : null;
  let convertedSeq = run.context.convertedSeq;
  const entryConversion = batch.entryConversions.get(run.id);
  if (!converted && entryConversion) converted = entryConversion;
  let profileView = profile;
  const event = run.context.event ? { ...run.context.event } : null;
  const goal = batch.goals.get(run.journey_id) ?? null;
  // The run's clock, in event time: where it is now, and when it entered.
  let position = entryPosition(run, now);
  const enteredClock = run.context.enteredClock ?? position.at.toISOString();
  let lastTouch = run.context.lastTouch;
  // The run's context goes on as it is (a test mark stays for the whole way), but for the
  // re-timing mark of a migration, which counts for the first wait only.
  const { retimeFrom: _retimed, waitUntil, awaitsEvent: _awaits, ...kept } = run.context;
  if (resume?.kind === 'event') {
    const time = earlier(new Date(resume.event.occurredAt), now);
    position = { at: time.getTime() > position.at.getTime() ? time : position.at, eventId: resume.event.id };
  } else if (resume) {
    position = { at: waitUntil ? earlier(new Date(waitUntil), now) : now, eventId: null };
  }
  // Where the current step was entered: for an open step, where the run stood when it began to wait.
  let stepPosition: Position = resume ? entryPosition(run, now) : position;
  const contextNow = () => ({
    ...kept,
    event,
    variables,
    clock: position.at.toISOString(),
    clockEvent: position.eventId,
    enteredClock,
    ...(convertedSeq !== undefined ? { convertedSeq } : {}),
    ...(lastTouch !== undefined ? { lastTouch } : {}),
  });

  /**
   * A conversion by a goal event is credited on each step the run entered up to it (in event
   * time): steps closed before it, by ingest when it converted the run; steps closed after it,
   * here, as they close — the wait the goal event ended and the exit after it among them.
   */
  const credit = (node: string, port: string | null, entered: string) => {
    if (!converted || convertedSeq !== undefined || entered > converted) return;
    writes.credits.push({ version_id: run.version_id, node_id: node, port: port ?? '', delta: 1 });
    // A message that went out at the very moment of the goal event did not lead to it: no touch.
    if (entered < converted && version.nodes.get(node)?.type.startsWith('touchpoint.')) {
      if (lastTouch)
        writes.credits.push({
          version_id: run.version_id,
          node_id: lastTouch,
          port: '#last-touch',
          delta: -1,
        });
      else writes.credits.push({ version_id: run.version_id, node_id: node, port: '#first-touch', delta: 1 });
      writes.credits.push({ version_id: run.version_id, node_id: node, port: '#last-touch', delta: 1 });
    }
  };
  // A conversion by a goal event ends the run where it stands in event time, when the journey says so.
  const exitAt = () =>
    converted && convertedSeq === undefined && goal?.exitOnConversion ? new Date(converted) : null;

  const convertedFirst = exitAt();
  if (resume && convertedFirst && convertedFirst.getTime() <= position.at.getTime()) {
    // The goal event came before what ends this wait (in event time): the run exits here, converted.
    const cursor = {
      ...run,
      current_node: nodeId,
      seq,
      context: contextNow(),
      converted_at: new Date(converted!),
    };
    writes.leftSteps.push({
      run_id: run.id,
      seq,
      version_id: run.version_id,
      node_id: nodeId,
      left_at: at,
      port: 'converted',
      outcome: 'exited',
      error: null,
    });
    credit(nodeId, 'converted', stepPosition.at.toISOString());
    writes.runUpdates.set(run.id, {
      ...baseUpdate(cursor),
      context: contextNow(),
      converted_at: converted,
      status: 'exited',
      ended_at: at,
      attempts: 0,
    });
    return;
  }

  for (let hop = 0; ; hop++) {
    const cursor = {
      ...run,
      current_node: nodeId,
      seq,
      context: contextNow(),
      converted_at: converted ? new Date(converted) : null,
    };
    if (hop >= maxHopsPerJob) {
      writes.runUpdates.set(run.id, { ...baseUpdate(cursor), status: 'active', attempts: 0 });
      writes.enqueueStep({ runId: run.id, seq });
      return;
    }
    const node = version.nodes.get(nodeId);
    if (!node || !node.definition || node.configError) {
      failRun(
        writes,
        cursor,
        nodeId,
        node?.configError ?? `node "${nodeId}" is not in the journey`,
        now,
        stepIsOpen,
      );
      return;
    }
    if (hop === 0 && seq === 0 && !resume && (run.context.depth ?? 0) > maxChainDepth) {
      failRun(
        writes,
        cursor,
        nodeId,
        `stopped before its first step: journeys started one another ${run.context.depth} times in a row through trait changes and Start journey steps (at most ${maxChainDepth}) — two journeys that trigger each other, or one that triggers itself?`,
        now,
      );
      return;
    }
    const staged: StagedWrites = emptyStagedWrites(variables);
    let result: NodeResult;
    try {
      // A wait re-timed by a migration counts from when the customer entered the old wait.
      const retimeFrom =
        hop === 0 && !resume && node.definition.waits && run.context.retimeFrom
          ? new Date(run.context.retimeFrom)
          : null;
      const ctx = createNodeContext({
        db: trx,
        now: retimeFrom ?? position.at,
        runId: run.id,
        nodeId,
        journeyId: run.journey_id,
        profile: profileView,
        event,
        resume,
        staged,
      });
      result = await node.definition.execute(ctx, node.config);
      countStep(node.definition.type);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const attempts = run.attempts + 1;
      if (error instanceof NodeFailure || attempts >= maxAttempts) {
        failRun(writes, cursor, nodeId, reason, now, stepIsOpen);
        return;
      }
      // Transient: keep the run where it is and try the same step again later.
      // (A wait answered by its look-back in this job is not written yet: it is tried from the start.)
      const retry = resume && !stepIsOpen ? null : resume;
      const context = {
        ...cursor.context,
        clock: stepPosition.at.toISOString(),
        clockEvent: stepPosition.eventId,
        ...(retry && waitUntil
          ? { waitUntil, ...(run.context.awaitsEvent ? { awaitsEvent: true } : {}) }
          : {}),
      };
      writes.runUpdates.set(run.id, {
        ...baseUpdate(cursor),
        context,
        status: retry ? 'waiting' : 'active',
        attempts,
        error: reason,
      });
      writes.enqueueStep(
        {
          runId: run.id,
          seq,
          resume: retry ? (retry.kind === 'event' ? 'event' : 'timer') : undefined,
          eventId: retry?.kind === 'event' ? retry.event.id : undefined,
        },
        new Date(now.getTime() + retryDelaySeconds(attempts) * 1000),
      );
      if (retry?.kind === 'timeout') writes.waitDeletes.splice(writes.waitDeletes.indexOf(run.id), 1);
      return;
    }

    // The node succeeded: its staged writes become real.
    variables = staged.variables;
    applyStagedWrites(writes, run, profileView, nodeId, seq, staged, position);
    // A goal event recorded already but that happened later (in event time) than this goal node
    // gives way to it: the run converted here (its steps so far are credited already).
    let convertsHere = false;
    if (staged.goalReached && !converted) {
      converted = position.at.toISOString();
      convertedSeq = seq;
      writes.conversions.push({ runId: run.id, upToSeq: seq });
    } else if (staged.goalReached && convertedSeq === undefined && converted! > position.at.toISOString())
      convertsHere = true;
    profileView = { ...profileView, traits: { ...profileView.traits, ...staged.traitSets } };
    for (const name of staged.traitUnsets) delete (profileView.traits as Record<string, unknown>)[name];

    // What this step writes: it leaves by a port, and the run moves on (or ends).
    const open = stepIsOpen;
    const entered = stepPosition.at.toISOString();
    const leave = (port: string | null, outcome: 'passed' | 'exited') => {
      if (open)
        writes.leftSteps.push({
          run_id: run.id,
          seq,
          version_id: run.version_id,
          node_id: nodeId,
          left_at: at,
          port,
          outcome,
          error: null,
        });
      else writes.newSteps.push(newStep(run, nodeId, seq, at, at, port, outcome));
      credit(nodeId, port, entered);
      if (node.type.startsWith('touchpoint.')) lastTouch = nodeId;
      if (convertsHere) {
        converted = position.at.toISOString();
        convertedSeq = seq;
      }
    };
    const update = (fields: Partial<RunUpdate>) => {
      writes.runUpdates.set(run.id, {
        ...baseUpdate(cursor),
        context: contextNow(),
        converted_at: converted,
        attempts: 0,
        ...fields,
      });
    };

    if ('port' in result) {
      leave(result.port, 'passed');
      const target = version.next.get(`${nodeId}\u0000${result.port}`);
      if (!target) {
        update({ status: 'completed', ended_at: at });
        return;
      }
      nodeId = target;
      seq += 1;
      resume = null;
      stepIsOpen = false;
      stepPosition = position;
      update({ status: 'active', current_node: nodeId, seq });
      continue;
    }
    if ('exit' in result) {
      leave(null, 'exited');
      update({ status: 'exited', ended_at: at });
      return;
    }
    // The node waits: its step stays open until it is executed again.
    if (resume) {
      writes.runUpdates.set(run.id, {
        ...baseUpdate(cursor),
        status: 'failed',
        error: `node "${nodeId}" asked to wait again after resuming`,
        ended_at: at,
      });
      if (open)
        writes.leftSteps.push({
          run_id: run.id,
          seq,
          version_id: run.version_id,
          node_id: nodeId,
          left_at: at,
          port: null,
          outcome: 'failed',
          error: 'waited twice',
        });
      else writes.newSteps.push(newStep(run, nodeId, seq, at, at, null, 'failed', 'waited twice'));
      return;
    }
    const asked = 'waitUntil' in result ? result.waitUntil : result.waitForEvent.timeoutAt;
    // Test runs wait `speed` times shorter.
    const speed = run.context.test?.speed ?? 1;
    const base = position.at;
    const until =
      speed > 1 ? new Date(base.getTime() + Math.max(0, asked.getTime() - base.getTime()) / speed) : asked;
    const converts = exitAt();
    const ends = converts && converts.getTime() <= until.getTime() ? converts : null;
    if ('waitForEvent' in result) {
      // Already answered? The look-back; an answer resumes the run at once, in this job.
      const answer = await lookBackForWait(batch, {
        profileId: run.profile_id,
        event: result.waitForEvent.event,
        where: result.waitForEvent.where,
        traits: profileView.traits as Record<string, unknown>,
        variables,
        from: position,
        until: ends ?? until,
      });
      if (answer) {
        resume = { kind: 'event', event: answer };
        position = { at: earlier(new Date(answer.occurredAt), now), eventId: answer.id };
        continue;
      }
    }
    if (ends) {
      // The goal event came before this wait would end: the run exits here, converted.
      if (open)
        writes.leftSteps.push({
          run_id: run.id,
          seq,
          version_id: run.version_id,
          node_id: nodeId,
          left_at: at,
          port: 'converted',
          outcome: 'exited',
          error: null,
        });
      else writes.newSteps.push(newStep(run, nodeId, seq, at, at, 'converted', 'exited'));
      credit(nodeId, 'converted', entered);
      position = { at: ends.getTime() > position.at.getTime() ? ends : position.at, eventId: null };
      update({ status: 'exited', ended_at: at });
      return;
    }
    writes.newSteps.push(newStep(run, nodeId, seq, at, null, null, 'waiting'));
    if ('waitForEvent' in result) {
      writes.waitInserts.push({
        run_id: run.id,
        seq,
        workspace_id: run.workspace_id,
        profile_id: run.profile_id,
        event: result.waitForEvent.event,
        filter: result.waitForEvent.where ? JSON.stringify(result.waitForEvent.where) : null,
        expires_at: until.toISOString(),
        reached_at: position.at.toISOString(),
        after_event: position.eventId,
      });
    }
    const short = until.getTime() - now.getTime() <= shortWaitMilliseconds;
    update({
      status: 'waiting',
      current_node: nodeId,
      seq,
      wake_at: short ? null : until.toISOString(),
      context: {
        ...contextNow(),
        waitUntil: until.toISOString(),
        ...('waitForEvent' in result ? { awaitsEvent: true } : {}),
      },
    });
    if (short)
      writes.enqueueStep(
        { runId: run.id, seq, resume: 'timer' },
        until.getTime() > now.getTime() ? until : undefined,
      );
    return;
  }
}

function recipientFor(channel: string, profile: ProfileView, to?: string): string | null {
  if (to) return to;
  const traits = profile.traits as Record<string, unknown>;
  if (channel === 'email') return typeof traits.email === 'string' ? traits.email : null;
  if (channel === 'sms') return typeof traits.phone === 'string' ? traits.phone : null;
  return profile.userId;
}

function applyStagedWrites(
  writes: BatchWrites,
  run: LockedRun,
  profile: ProfileView,
  nodeId: string,
  seq: number,
  staged: StagedWrites,
  position: Position,
): void {
  staged.messages.forEach((message, index) => {
    writes.messages.push({
      workspace_id: run.workspace_id,
      run_id: run.id,
      profile_id: run.profile_id,
      journey_id: run.journey_id,
      node_id: nodeId,
      channel: message.channel,
      recipient: recipientFor(message.channel, profile, message.to),
      content: JSON.stringify(message.content),
      is_test: Boolean(run.context.test),
      idempotency_key: `${run.id}:${nodeId}:${seq}${index > 0 ? `:${index}` : ''}`,
    });
  });
  if (
    Object.keys(staged.traitSets).length ||
    staged.traitUnsets.size ||
    staged.addTags.size ||
    staged.removeTags.size
  ) {
    const patch = writes.patchFor(run.profile_id, (run.context.depth ?? 0) + 1);
    Object.assign(patch.set, staged.traitSets);
    for (const name of staged.traitUnsets) {
      patch.unset.add(name);
      delete patch.set[name];
    }
    for (const tag of staged.addTags) {
      patch.addTags.add(tag);
      patch.removeTags.delete(tag);
    }
    for (const tag of staged.removeTags) {
      patch.removeTags.add(tag);
      patch.addTags.delete(tag);
    }
  }
  for (const journeyId of staged.journeyStarts) {
    // The journey started from here begins where this run stands in event time.
    writes.journeyStarts.push({
      workspaceId: run.workspace_id,
      journeyId,
      profileId: run.profile_id,
      event: run.context.event,
      clock: position.at.toISOString(),
      clockEvent: position.eventId,
      depth: (run.context.depth ?? 0) + 1,
    });
  }
}
