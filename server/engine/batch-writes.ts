// Everything one step batch writes, collected while nodes run and flushed in bulk in the same
// transaction: a handful of statements per batch instead of several per step.
import { sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { Transaction } from 'kysely';
import { anyOf, queueExecutor } from '../db/database';
import type { DB, NewMessage, NewStep, RunContext, RunStatus } from '../db/schema';
import { queueNames, wakeChannel, type StepJob } from '../queue/job-queue';
import { recordStats } from '../stats/rollup';

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
}

export interface WaitRow {
  run_id: string;
  seq: number;
  workspace_id: string;
  profile_id: string;
  event: string;
  filter: string | null;
  expires_at: string;
}

export interface JourneyStart {
  workspaceId: string;
  journeyId: string;
  profileId: string;
  event: RunContext['event'];
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

  enqueueStep(job: StepJob, startAfter?: Date): void {
    this.jobs.push({ name: queueNames.steps, data: job, startAfter: startAfter?.toISOString() });
  }

  patchFor(profileId: string): ProfilePatch {
    let patch = this.profilePatches.get(profileId);
    if (!patch) {
      patch = { set: {}, unset: new Set(), addTags: new Set(), removeTags: new Set() };
      this.profilePatches.set(profileId, patch);
    }
    return patch;
  }

  async flush(trx: Transaction<DB>, boss: PgBoss, now: Date): Promise<void> {
    if (this.newSteps.length > 0) {
      // One array per column: PostgreSQL reads typed arrays faster than a JSON document of rows.
      const steps = this.newSteps;
      await sql`
        INSERT INTO steps (run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, left_at, port, outcome, error)
        SELECT x.run_id, x.seq, x.workspace_id, x.journey_id, x.version_id, x.node_id, x.entered_at, x.left_at, x.port, coalesce(x.outcome, 'passed'), x.error
        FROM unnest(${steps.map((s) => s.run_id)}::uuid[], ${steps.map((s) => s.seq)}::int[], ${steps.map((s) => s.workspace_id)}::uuid[],
          ${steps.map((s) => s.journey_id)}::uuid[], ${steps.map((s) => s.version_id)}::uuid[], ${steps.map((s) => s.node_id)}::text[],
          ${steps.map((s) => s.entered_at)}::timestamptz[], ${steps.map((s) => s.left_at ?? null)}::timestamptz[], ${steps.map((s) => s.port ?? null)}::text[],
          ${steps.map((s) => s.outcome ?? null)}::text[], ${steps.map((s) => s.error ?? null)}::text[])
          AS x(run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, left_at, port, outcome, error)`.execute(trx);
    }
    if (this.leftSteps.length > 0) {
      await sql`
        UPDATE steps s SET left_at = x.left_at, port = x.port, outcome = x.outcome, error = x.error
        FROM jsonb_to_recordset(${JSON.stringify(this.leftSteps.map(({ run_id, seq, left_at, port, outcome, error }) => ({ run_id, seq, left_at, port, outcome, error })))}::jsonb)
          AS x(run_id uuid, seq int, left_at timestamptz, port text, outcome text, error text)
        WHERE s.run_id = x.run_id AND s.seq = x.seq`.execute(trx);
    }
    if (this.runUpdates.size > 0) {
      await sql`
        UPDATE runs r SET status = x.status, current_node = x.current_node, seq = x.seq, context = x.context,
          attempts = x.attempts, error = x.error, wake_at = x.wake_at, ended_at = x.ended_at, converted_at = x.converted_at
        FROM jsonb_to_recordset(${JSON.stringify([...this.runUpdates.values()])}::jsonb)
          AS x(id uuid, status text, current_node text, seq int, context jsonb, attempts int, error text,
               wake_at timestamptz, ended_at timestamptz, converted_at timestamptz)
        WHERE r.id = x.id`.execute(trx);
    }
    if (this.waitDeletes.length > 0) await trx.deleteFrom('waits').where('run_id', '=', anyOf(this.waitDeletes)).execute();
    if (this.waitInserts.length > 0) await trx.insertInto('waits').values(this.waitInserts).execute();
    if (this.messages.length > 0) {
      await sql`
        INSERT INTO messages (workspace_id, run_id, profile_id, journey_id, node_id, channel, recipient, content, idempotency_key, is_test)
        SELECT x.workspace_id, x.run_id, x.profile_id, x.journey_id, x.node_id, x.channel, x.recipient, x.content, x.idempotency_key, coalesce(x.is_test, false)
        FROM jsonb_to_recordset(${JSON.stringify(this.messages.map((message) => ({ ...message, content: typeof message.content === 'string' ? JSON.parse(message.content) : message.content })))}::jsonb)
          AS x(workspace_id uuid, run_id uuid, profile_id uuid, journey_id uuid, node_id text, channel text, recipient text, content jsonb, idempotency_key text, is_test boolean)
        ON CONFLICT (idempotency_key) DO NOTHING`.execute(trx);
    }
    if (this.messages.length > 0 && !this.jobs.some((job) => !job.startAfter)) await sql`SELECT pg_notify(${wakeChannel}, 'delivery')`.execute(trx);
    // Sorted, so two batches touching the same profiles lock them in the same order.
    for (const [profileId, patch] of [...this.profilePatches].sort(([a], [b]) => a.localeCompare(b))) {
      await sql`
        UPDATE profiles SET
          traits = (traits || ${JSON.stringify(patch.set)}::jsonb) - ${[...patch.unset]}::text[],
          tags = ARRAY(
            SELECT DISTINCT t FROM unnest(tags || ${[...patch.addTags]}::text[]) AS t
            WHERE t <> ALL(${[...patch.removeTags]}::text[]) ORDER BY t)
        WHERE id = ${profileId}`.execute(trx);
    }
    if (this.jobs.length > 0) {
      await boss.insert(this.jobs, { db: queueExecutor(trx) });
      if (this.jobs.some((job) => !job.startAfter)) await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
    }
    // Last: the rollup rows are shared by every batch of the journey, and their locks are held
    // until commit, so they are taken as late as possible.
    await recordStats(trx, { newSteps: this.newSteps, leftSteps: this.leftSteps, conversions: this.conversions, now });
  }
}
