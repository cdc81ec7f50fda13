// The interpreter: moves each run of a batch of step jobs through its published graph, node by node,
// until it waits, ends or fails — all inside the caller's transaction (exactly once).
import { anyOf } from '../db/database';
import type { Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import type { EventView, NodeResult, NodeTypeRegistry, ProfileView, ResumeReason } from '../../shared/node-type';
import type { DB, NewStep, RunContext, RunStatus } from '../db/schema';
import type { StepJob } from '../queue/job-queue';
import { BatchWrites, type RunUpdate } from './batch-writes';
import { loadVersions, type CompiledVersion } from './compiled-version';
import { createNodeContext, emptyStagedWrites, NodeFailure, type StagedWrites } from './node-context';
import { enterJourney } from './enter-journey';

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
  return { id: row.id, name: row.name, properties: (row.properties ?? {}) as Record<string, unknown>, occurredAt: row.occurred_at.toISOString() };
}

export function retryDelaySeconds(attempt: number): number {
  return Math.min(2 ** attempt, 300);
}

/** Runs a batch of step jobs. The caller completes the jobs in the same transaction. */
export async function runStepBatch(trx: Transaction<DB>, deps: EngineDeps, jobs: StepJob[]): Promise<BatchResult> {
  const now = deps.now?.() ?? new Date();
  const writes = new BatchWrites();
  const runIds = [...new Set(jobs.map((job) => job.runId))];
  // Locked in id order, so concurrent batches never deadlock on runs; their profiles and whether
  // their journey is paused come in the same query.
  const rows = runIds.length === 0 ? [] : await trx.selectFrom('runs as r')
    .leftJoin('profiles as p', 'p.id', 'r.profile_id').leftJoin('journeys as j', 'j.id', 'r.journey_id')
    .select(['r.id', 'r.workspace_id', 'r.journey_id', 'r.version_id', 'r.profile_id', 'r.status', 'r.current_node', 'r.seq', 'r.context', 'r.attempts', 'r.converted_at',
      'p.user_id as profile_user_id', 'p.traits as profile_traits', 'p.tags as profile_tags', 'j.status as journey_status'])
    .where('r.id', '=', anyOf(runIds)).orderBy('r.id').forUpdate('r').execute();
  const runs = rows.map(({ profile_user_id: _userId, profile_traits: _traits, profile_tags: _tags, journey_status: _status, ...run }) => run);
  const runsById = new Map(runs.map((run) => [run.id, run]));
  const versions = await loadVersions(trx, runs.map((run) => run.version_id), deps.registry);
  const profiles = new Map<string, ProfileView>();
  const paused = new Set<string>();
  for (const row of rows) {
    if (row.profile_traits !== null) profiles.set(row.profile_id, { id: row.profile_id, userId: row.profile_user_id, traits: row.profile_traits as Record<string, unknown>, tags: row.profile_tags ?? [] });
    if (row.journey_status === 'paused') paused.add(row.journey_id);
  }
  const eventIds = jobs.map((job) => job.eventId).filter((id): id is string => Boolean(id));
  const resumeEvents = new Map<string, EventView>();
  if (eventIds.length > 0) {
    const rows = await trx.selectFrom('events').select(['id', 'name', 'properties', 'occurred_at']).where('id', '=', anyOf(eventIds)).execute();
    for (const row of rows) resumeEvents.set(row.id, eventView(row));
  }
  const timeouts = jobs.filter((job) => job.resume === 'timer').map((job) => job.runId);
  const openWaits = new Set<string>();
  if (timeouts.length > 0) {
    const rows = await trx.selectFrom('waits').select(['run_id', 'seq']).where('run_id', '=', anyOf(timeouts)).execute();
    for (const row of rows) openWaits.add(`${row.run_id}:${row.seq}`);
  }

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
      failRun(writes, run, null, `the run's ${!version ? 'journey version' : 'profile'} no longer exists`, now);
      advanced++;
      continue;
    }
    let resume: ResumeReason | null = null;
    if (job.resume === 'event') {
      const event = job.eventId ? resumeEvents.get(job.eventId) : undefined;
      if (!event) { stale++; continue; }
      resume = { kind: 'event', event };
    } else if (job.resume === 'timer') {
      const node = version.nodes.get(run.current_node);
      if (node?.definition?.type === 'wait.event' || openWaits.has(`${run.id}:${run.seq}`)) {
        // A timeout only counts while the wait is still open: an event may have claimed it first.
        if (!openWaits.has(`${run.id}:${run.seq}`)) { stale++; continue; }
        writes.waitDeletes.push(run.id);
        resume = { kind: 'timeout' };
      } else {
        resume = { kind: 'timer' };
      }
    }
    // Marked only now: a stale timeout in the same batch must not shadow the event that won.
    seen.add(`${job.runId}:${job.seq}`);
    await advanceRun(trx, deps, writes, { ...run, seq: job.seq }, version, profile, resume, now);
    advanced++;
  }

  for (const start of writes.journeyStarts) {
    await enterJourney(trx, deps.boss, { ...start, now, writes });
  }
  await writes.flush(trx, deps.boss, now);
  return { advanced, stale };
}

type LockedRun = {
  id: string; workspace_id: string; journey_id: string; version_id: string; profile_id: string;
  status: RunStatus; current_node: string; seq: number; context: RunContext; attempts: number; converted_at: Date | null;
};

function baseUpdate(run: LockedRun): RunUpdate {
  return {
    id: run.id, status: run.status, current_node: run.current_node, seq: run.seq, context: run.context,
    attempts: run.attempts, error: null, wake_at: null, ended_at: null,
    converted_at: run.converted_at ? run.converted_at.toISOString() : null,
  };
}

/**
 * A new step row, written out field by field: in V8 an object spread followed by fields the source
 * does not have takes a slow path, microseconds on each step.
 */
function newStep(run: LockedRun, nodeId: string, seq: number, at: string, leftAt: string | null, port: string | null, outcome: NonNullable<NewStep['outcome']>, error: string | null = null): NewStep {
  return { run_id: run.id, seq, workspace_id: run.workspace_id, journey_id: run.journey_id, version_id: run.version_id, node_id: nodeId, entered_at: at, left_at: leftAt, port, outcome, error };
}

function failRun(writes: BatchWrites, run: LockedRun, nodeId: string | null, reason: string, now: Date, stepIsOpen = false): void {
  const at = now.toISOString();
  if (nodeId) {
    const step = { run_id: run.id, seq: run.seq, version_id: run.version_id, node_id: nodeId, left_at: at, port: null, outcome: 'failed' as const, error: reason };
    if (stepIsOpen) writes.leftSteps.push(step);
    else writes.newSteps.push(newStep(run, nodeId, run.seq, at, at, null, 'failed', reason));
  }
  writes.runUpdates.set(run.id, { ...baseUpdate(run), status: 'failed', error: reason, ended_at: at });
}

async function advanceRun(
  trx: Transaction<DB>, deps: EngineDeps, writes: BatchWrites, run: LockedRun,
  version: CompiledVersion, profile: ProfileView, firstResume: ResumeReason | null, now: Date,
): Promise<void> {
  const at = now.toISOString();
  let nodeId = run.current_node;
  let seq = run.seq;
  let resume = firstResume;
  let variables = run.context.variables ?? {};
  let converted = run.converted_at ? run.converted_at.toISOString() : null;
  let profileView = profile;
  const event = run.context.event ? { ...run.context.event } : null;
  // The run's context goes on as it is (a test mark stays for the whole way), but for the
  // re-timing mark of a migration, which counts for the first wait only.
  const { retimeFrom: _retimed, ...kept } = run.context;

  for (let hop = 0; ; hop++) {
    const cursor = { ...run, current_node: nodeId, seq, context: { ...kept, event, variables }, converted_at: converted ? new Date(converted) : null };
    if (hop >= maxHopsPerJob) {
      writes.runUpdates.set(run.id, { ...baseUpdate(cursor), status: 'active', attempts: 0 });
      writes.enqueueStep({ runId: run.id, seq });
      return;
    }
    const node = version.nodes.get(nodeId);
    const stepIsOpen = resume !== null;
    if (!node || !node.definition || node.configError) {
      failRun(writes, cursor, nodeId, node?.configError ?? `node "${nodeId}" is not in the journey`, now, stepIsOpen);
      return;
    }
    const staged: StagedWrites = emptyStagedWrites(variables);
    let result: NodeResult;
    try {
      // A wait re-timed by a migration counts from when the customer entered the old wait.
      const retimeFrom = hop === 0 && !resume && node.definition.waits && run.context.retimeFrom ? new Date(run.context.retimeFrom) : null;
      const ctx = createNodeContext({ db: trx, now: retimeFrom ?? now, runId: run.id, nodeId, journeyId: run.journey_id, profile: profileView, event, resume, staged });
      result = await node.definition.execute(ctx, node.config);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const attempts = run.attempts + 1;
      if (error instanceof NodeFailure || attempts >= maxAttempts) {
        failRun(writes, cursor, nodeId, reason, now, stepIsOpen);
        return;
      }
      // Transient: keep the run where it is and try the same step again later.
      writes.runUpdates.set(run.id, { ...baseUpdate(cursor), status: resume ? 'waiting' : 'active', attempts, error: reason });
      writes.enqueueStep({ runId: run.id, seq, resume: resume ? (resume.kind === 'event' ? 'event' : 'timer') : undefined, eventId: resume?.kind === 'event' ? resume.event.id : undefined },
        new Date(now.getTime() + retryDelaySeconds(attempts) * 1000));
      if (resume?.kind === 'timeout') writes.waitDeletes.splice(writes.waitDeletes.indexOf(run.id), 1);
      return;
    }

    // The node succeeded: its staged writes become real.
    variables = staged.variables;
    applyStagedWrites(writes, run, profileView, nodeId, seq, staged);
    if (staged.goalReached && !converted) {
      converted = at;
      writes.conversions.push({ runId: run.id, upToSeq: seq });
    }
    profileView = { ...profileView, traits: { ...profileView.traits, ...staged.traitSets } };
    for (const name of staged.traitUnsets) delete (profileView.traits as Record<string, unknown>)[name];

    // Methods rather than arrow functions: the TypeScript runner names every arrow function it
    // creates, a cost on each hop of each run.
    const stepWrites = {
      leave(port: string | null, outcome: 'passed' | 'exited') {
        if (stepIsOpen) writes.leftSteps.push({ run_id: run.id, seq, version_id: run.version_id, node_id: nodeId, left_at: at, port, outcome, error: null });
        else writes.newSteps.push(newStep(run, nodeId, seq, at, at, port, outcome));
      },
      update(fields: Partial<RunUpdate>) {
        writes.runUpdates.set(run.id, { ...baseUpdate(cursor), context: { ...kept, event, variables }, converted_at: converted, attempts: 0, ...fields });
      },
    };
    const { leave, update } = stepWrites;

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
      update({ status: 'active', current_node: nodeId, seq });
      continue;
    }
    if ('exit' in result) {
      leave(null, 'exited');
      update({ status: 'exited', ended_at: at });
      return;
    }
    // The node waits: its step stays open until it is executed again.
    if (stepIsOpen) {
      writes.runUpdates.set(run.id, { ...baseUpdate(cursor), status: 'failed', error: `node "${nodeId}" asked to wait again after resuming`, ended_at: at });
      writes.leftSteps.push({ run_id: run.id, seq, version_id: run.version_id, node_id: nodeId, left_at: at, port: null, outcome: 'failed', error: 'waited twice' });
      return;
    }
    writes.newSteps.push(newStep(run, nodeId, seq, at, null, null, 'waiting'));
    const asked = 'waitUntil' in result ? result.waitUntil : result.waitForEvent.timeoutAt;
    // Test runs wait `speed` times shorter.
    const speed = run.context.test?.speed ?? 1;
    const until = speed > 1 ? new Date(now.getTime() + Math.max(0, asked.getTime() - now.getTime()) / speed) : asked;
    if ('waitForEvent' in result) {
      writes.waitInserts.push({
        run_id: run.id, seq, workspace_id: run.workspace_id, profile_id: run.profile_id,
        event: result.waitForEvent.event, filter: result.waitForEvent.where ? JSON.stringify(result.waitForEvent.where) : null,
        expires_at: until.toISOString(),
      });
    }
    const short = until.getTime() - now.getTime() <= shortWaitMilliseconds;
    update({ status: 'waiting', current_node: nodeId, seq, wake_at: short ? null : until.toISOString() });
    if (short) writes.enqueueStep({ runId: run.id, seq, resume: 'timer' }, until.getTime() > now.getTime() ? until : undefined);
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

function applyStagedWrites(writes: BatchWrites, run: LockedRun, profile: ProfileView, nodeId: string, seq: number, staged: StagedWrites): void {
  staged.messages.forEach((message, index) => {
    writes.messages.push({
      workspace_id: run.workspace_id, run_id: run.id, profile_id: run.profile_id, journey_id: run.journey_id, node_id: nodeId,
      channel: message.channel, recipient: recipientFor(message.channel, profile, message.to),
      content: JSON.stringify(message.content),
      is_test: Boolean(run.context.test),
      idempotency_key: `${run.id}:${nodeId}:${seq}${index > 0 ? `:${index}` : ''}`,
    });
  });
  if (Object.keys(staged.traitSets).length || staged.traitUnsets.size || staged.addTags.size || staged.removeTags.size) {
    const patch = writes.patchFor(run.profile_id);
    Object.assign(patch.set, staged.traitSets);
    for (const name of staged.traitUnsets) { patch.unset.add(name); delete patch.set[name]; }
    for (const tag of staged.addTags) { patch.addTags.add(tag); patch.removeTags.delete(tag); }
    for (const tag of staged.removeTags) { patch.removeTags.add(tag); patch.addTags.delete(tag); }
  }
  for (const journeyId of staged.journeyStarts) {
    writes.journeyStarts.push({ workspaceId: run.workspace_id, journeyId, profileId: run.profile_id, event: run.context.event });
  }
}
