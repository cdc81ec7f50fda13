// Everything one step batch writes, collected while nodes run and flushed in bulk in the same
// transaction: a handful of statements per batch instead of several per step.
import { sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { Transaction } from 'kysely';
import { anyOf, queueExecutor } from '../db/database';
import type { DB, NewMessage, NewStep, RunContext, RunStatus } from '../db/schema';
import { queueNames, wakeChannel, type StepJob } from '../queue/job-queue';
import { recordStats, type ConversionCredit } from '../stats/rollup';
import { timeOrderedId } from '../db/time-ordered-id';
import { changeTraits } from '../profiles/trait-changes';

export interface RunUpdate {
  id: string;
  status: RunStatus;
  current_node: string;
  seq: number;
  context: RunContext;
  attempts: number;
  error: string | null;
  wake_at: string | null;
  ended_at: string | null;
  converted_at: string | null;
}

export interface LeftStep {
  run_id: string;
  seq: number;
  version_id: string;
  node_id: string;
  left_at: string;
  port: string | null;
  outcome: 'passed' | 'exited' | 'failed';
  error: string | null;
}

export interface ProfilePatch {
  set: Record<string, unknown>;
  unset: Set<string>;
  addTags: Set<string>;
  removeTags: Set<string>;
  /** The deepest run in a chain of journeys among those that made this change, plus one. */
  depth: number;
}

export interface WaitRow {
  run_id: string;
  seq: number;
  workspace_id: string;
  profile_id: string;
  event: string;
  filter: string | null;
  expires_at: string;
  reached_at: string;
  after_event: string | null;
}

export interface JourneyStart {
  workspaceId: string;
  journeyId: string;
  profileId: string;
  event: RunContext['event'];
  /** Where the starting run stood in event time: the new run begins there. */
  clock?: string;
  clockEvent?: string | null;
  depth: number;
}

export class BatchWrites {
  readonly newSteps: NewStep[] = [];
  readonly leftSteps: LeftStep[] = [];
  readonly runUpdates = new Map<string, RunUpdate>();
  readonly messages: NewMessage[] = [];
  readonly waitInserts: WaitRow[] = [];
  readonly waitDeletes: string[] = [];
  readonly jobs: PgBoss.JobInsert<StepJob>[] = [];
  readonly profilePatches = new Map<string, ProfilePatch>();
  readonly journeyStarts: JourneyStart[] = [];
  /** Runs that reached their goal in this batch. */
  readonly conversions: Array<{ runId: string; upToSeq: number }> = [];
  /** Conversions credited step by step (runs a goal event converted before they took these steps). */
  readonly credits: ConversionCredit[] = [];

  enqueueStep(job: StepJob, startAfter?: Date): void {
    this.jobs.push({ name: queueNames.steps, data: job, startAfter: startAfter?.toISOString() });
  }

  patchFor(profileId: string, depth: number): ProfilePatch {
    let patch = this.profilePatches.get(profileId);
    if (!patch) {
      patch = { set: {}, unset: new Set(), addTags: new Set(), removeTags: new Set(), depth };
      this.profilePatches.set(profileId, patch);
    }
    if (depth > patch.depth) patch.depth = depth;
    return patch;
  }

  async flush(trx: Transaction<DB>, boss: PgBoss, now: Date): Promise<void> {
    if (this.newSteps.length > 0) await insertSteps(trx, this.newSteps);
    if (this.leftSteps.length > 0) {
      const left = this.leftSteps;
      await sql`
        UPDATE steps s SET left_at = x.left_at, port = x.port, outcome = x.outcome, error = x.error
        FROM unnest(${left.map((step) => step.run_id)}::uuid[], ${left.map((step) => step.seq)}::int[], ${left.map((step) => step.left_at)}::timestamptz[],
          ${left.map((step) => step.port)}::text[], ${left.map((step) => step.outcome)}::text[], ${left.map((step) => step.error)}::text[])
          AS x(run_id, seq, left_at, port, outcome, error)
        WHERE s.run_id = x.run_id AND s.seq = x.seq`.execute(trx);
    }
    if (this.runUpdates.size > 0) {
      const updates = [...this.runUpdates.values()];
      await sql`
        UPDATE runs r SET status = x.status, current_node = x.current_node, seq = x.seq, context = x.context,
          attempts = x.attempts, error = x.error, wake_at = x.wake_at, ended_at = x.ended_at, converted_at = x.converted_at
        FROM unnest(${updates.map((run) => run.id)}::uuid[], ${updates.map((run) => run.status)}::text[], ${updates.map((run) => run.current_node)}::text[],
          ${updates.map((run) => run.seq)}::int[], ${updates.map((run) => JSON.stringify(run.context))}::jsonb[], ${updates.map((run) => run.attempts)}::int[],
          ${updates.map((run) => run.error)}::text[], ${updates.map((run) => run.wake_at)}::timestamptz[], ${updates.map((run) => run.ended_at)}::timestamptz[],
          ${updates.map((run) => run.converted_at)}::timestamptz[])
          AS x(id, status, current_node, seq, context, attempts, error, wake_at, ended_at, converted_at)
        WHERE r.id = x.id`.execute(trx);
    }
    if (this.waitDeletes.length > 0)
      await trx.deleteFrom('waits').where('run_id', '=', anyOf(this.waitDeletes)).execute();
    if (this.waitInserts.length > 0) await trx.insertInto('waits').values(this.waitInserts).execute();
    if (this.messages.length > 0) {
      const messages = this.messages;
      await sql`
        INSERT INTO messages (id, workspace_id, run_id, profile_id, journey_id, node_id, channel, recipient, content, idempotency_key, is_test)
        SELECT x.id, x.workspace_id, x.run_id, x.profile_id, x.journey_id, x.node_id, x.channel, x.recipient, x.content, x.idempotency_key, coalesce(x.is_test, false)
        FROM unnest(${messages.map(() => timeOrderedId())}::uuid[], ${messages.map((m) => m.workspace_id)}::uuid[], ${messages.map((m) => m.run_id ?? null)}::uuid[], ${messages.map((m) => m.profile_id ?? null)}::uuid[],
          ${messages.map((m) => m.journey_id ?? null)}::uuid[], ${messages.map((m) => m.node_id ?? null)}::text[], ${messages.map((m) => m.channel)}::text[],
          ${messages.map((m) => m.recipient ?? null)}::text[], ${messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))}::jsonb[],
          ${messages.map((m) => m.idempotency_key)}::text[], ${messages.map((m) => m.is_test ?? null)}::boolean[])
          AS x(id, workspace_id, run_id, profile_id, journey_id, node_id, channel, recipient, content, idempotency_key, is_test)
        ON CONFLICT (idempotency_key) DO NOTHING`.execute(trx);
    }
    if (this.messages.length > 0 && !this.jobs.some((job) => !job.startAfter))
      await sql`SELECT pg_notify(${wakeChannel}, 'delivery')`.execute(trx);
    // Trait changes made by journeys start segment and health-score journeys like any other
    // (their jobs go with this batch's, below). Profiles are locked in id order.
    if (this.profilePatches.size > 0) {
      await changeTraits(
        trx,
        boss,
        [...this.profilePatches].map(([profileId, patch]) => ({
          profileId,
          set: patch.set,
          unset: [...patch.unset],
          addTags: [...patch.addTags],
          removeTags: [...patch.removeTags],
          depth: patch.depth,
        })),
        now,
      );
    }
    if (this.jobs.length > 0) {
      await boss.insert(this.jobs, { db: queueExecutor(trx) });
      if (this.jobs.some((job) => !job.startAfter))
        await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
    }
    // Last: the rollup rows are shared by every batch of the journey, and their locks are held
    // until commit, so they are taken as late as possible.
    await recordStats(trx, {
      newSteps: this.newSteps,
      leftSteps: this.leftSteps,
      conversions: this.conversions,
      credits: this.credits,
      now,
    });
  }
}

/**
 * Inserts a batch's new steps with one typed array per column, which PostgreSQL reads faster than a
 * JSON document of rows. A version belongs to one journey of one workspace, so those three ids go
 * once per version and each step names its version by position (a third less to send and parse).
 */
async function insertSteps(trx: Transaction<DB>, steps: readonly NewStep[]): Promise<void> {
  const count = steps.length;
  const runIds = new Array<string>(count);
  const seqs = new Array<number>(count);
  const versionOf = new Array<number>(count);
  const nodeIds = new Array<string>(count);
  const enteredAt = new Array<unknown>(count);
  const leftAt = new Array<unknown>(count);
  const ports = new Array<string | null>(count);
  const outcomes = new Array<string | null>(count);
  const errors = new Array<string | null>(count);
  const positions = new Map<string, number>();
  const workspaceIds: string[] = [];
  const journeyIds: string[] = [];
  const versionIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const step = steps[i];
    let position = positions.get(step.version_id);
    if (position === undefined) {
      versionIds.push(step.version_id);
      journeyIds.push(step.journey_id);
      workspaceIds.push(step.workspace_id);
      position = versionIds.length;
      positions.set(step.version_id, position);
    }
    runIds[i] = step.run_id;
    seqs[i] = step.seq;
    versionOf[i] = position;
    nodeIds[i] = step.node_id;
    enteredAt[i] = step.entered_at;
    leftAt[i] = step.left_at ?? null;
    ports[i] = step.port ?? null;
    outcomes[i] = step.outcome ?? 'passed';
    errors[i] = step.error ?? null;
  }
  await sql`
    INSERT INTO steps (run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, left_at, port, outcome, error)
    SELECT x.run_id, x.seq, (${workspaceIds}::uuid[])[x.version], (${journeyIds}::uuid[])[x.version], (${versionIds}::uuid[])[x.version],
      x.node_id, x.entered_at, x.left_at, x.port, x.outcome, x.error
    FROM unnest(${runIds}::uuid[], ${seqs}::int[], ${versionOf}::int[], ${nodeIds}::text[], ${enteredAt}::timestamptz[],
      ${leftAt}::timestamptz[], ${ports}::text[], ${outcomes}::text[], ${errors}::text[])
      AS x(run_id, seq, version, node_id, entered_at, left_at, port, outcome, error)`.execute(trx);
}
