// The worker: step loops that fetch, run and complete jobs in one transaction, a timer loop for
// long waits, and a LISTEN connection that wakes idle loops the moment work is committed.
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import { queueExecutor } from '../db/database';
import { completeJobs, queueNames, wakeChannel, type StepJob } from '../queue/job-queue';
import type { Services } from '../services';
import { retryDelaySeconds, runStepBatch, maxAttempts } from './step-batch';
import { runScheduledTriggers } from './scheduled-triggers';
import { deliverDueMessages } from '../channels/delivery';
import type { DeliveryEnvironment } from '../channels/channel-context';
import { loadServerSecret } from '../channels/signing';

export interface Worker {
  stop(): Promise<void>;
}

export interface WorkerOptions {
  loops: number;
  batchSize: number;
  /** How often an idle loop looks for delayed jobs that became due. */
  pollMilliseconds?: number;
  log?: (line: string) => void;
  /** How often scheduled triggers are checked. */
  scheduleMilliseconds?: number;
  /** Whether this worker also delivers the outbox (default true); false leaves it to other workers. */
  deliver?: boolean;
}

class Waker {
  private waiters: Array<() => void> = [];
  private stopped = false;
  wait(milliseconds: number): Promise<void> {
    // Once stopped, no loop sleeps again (a loop busy when stop() came would otherwise sleep its full time).
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, milliseconds);
      this.waiters.push(done);
    });
  }
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
  stop(): void {
    this.stopped = true;
    this.wakeAll();
  }
}

export async function startWorker(
  services: Services,
  databaseUrl: string,
  options: WorkerOptions,
): Promise<Worker> {
  const log = options.log ?? ((line: string) => console.error(line));
  const poll = options.pollMilliseconds ?? 500;
  const waker = new Waker();
  let running = true;

  const listener = await startListener(
    databaseUrl,
    () => waker.wakeAll(),
    () => running,
    log,
  );

  const stepLoop = async () => {
    while (running) {
      let fetched = 0;
      try {
        fetched = await runOneBatch(services, options.batchSize, log);
      } catch (error) {
        log(`[worker] step batch failed: ${(error as Error).message}`);
        await waker.wait(1000);
        continue;
      }
      if (fetched === 0 && running) await waker.wait(poll);
    }
  };

  const timerLoop = async () => {
    while (running) {
      let due = 0;
      try {
        due = await wakeDueRuns(services, 1000);
      } catch (error) {
        log(`[worker] timer sweep failed: ${(error as Error).message}`);
      }
      if (due < 1000 && running) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  // Recurring dates, inactivity and windowed thresholds: every minute, one process at a time.
  const scheduleWaker = new Waker(); // not woken by NOTIFY, only by stop()
  const scheduleLoop = async () => {
    while (running) {
      try {
        await runScheduledTriggers(services);
      } catch (error) {
        log(`[worker] scheduled triggers failed: ${(error as Error).message}`);
      }
      await scheduleWaker.wait(options.scheduleMilliseconds ?? 60_000);
    }
  };

  // Outbox delivery: consent, caps, quiet hours, then the provider.
  const environment: DeliveryEnvironment = {
    publicUrl: services.delivery?.publicUrl ?? 'http://localhost:3000',
    secret: await loadServerSecret(services.db, services.secret),
    defaultSmtpUrl: services.delivery?.smtpUrl,
    defaultFrom: services.delivery?.from ?? 'Waymark <no-reply@localhost>',
    claimTimeoutSeconds: services.delivery?.claimTimeoutSeconds,
    allowPrivateHosts: services.delivery?.allowPrivateHosts,
    probeSeconds: services.delivery?.probeSeconds,
    maxAgeSeconds: services.delivery?.maxAgeSeconds,
    concurrency: services.delivery?.concurrency,
    smtpPool: services.delivery?.smtpPool,
  };
  const deliveryLoop = async () => {
    while (running) {
      let claimed = 0;
      try {
        // The outcome events of a batch are recorded in one ingest commit. Two loops: one claims,
        // checks and records while the other's messages are with the provider.
        claimed = await deliverDueMessages(services, environment, services.delivery?.batch ?? 200, log);
      } catch (error) {
        log(`[worker] delivery failed: ${(error as Error).message}`);
      }
      if (claimed === 0 && running) await waker.wait(poll);
    }
  };

  const loops = [
    ...Array.from({ length: options.loops }, stepLoop),
    timerLoop(),
    scheduleLoop(),
    ...(options.deliver === false ? [] : [deliveryLoop(), deliveryLoop()]),
  ];
  return {
    async stop() {
      running = false;
      waker.stop();
      scheduleWaker.stop();
      await Promise.allSettled(loops);
      await listener.stop();
    },
  };
}

/** Fetches one batch and runs it in one transaction; on a database error, each job alone. */
export async function runOneBatch(
  services: Pick<Services, 'db' | 'boss' | 'registry'>,
  batchSize: number,
  log: (line: string) => void = () => {},
): Promise<number> {
  let fetched: PgBoss.Job<StepJob>[] = [];
  try {
    return await services.db.transaction().execute(async (trx) => {
      await relaxedCommit(trx);
      const jobs = await services.boss.fetch<StepJob>(queueNames.steps, {
        batchSize,
        db: queueExecutor(trx),
      });
      fetched = jobs;
      if (jobs.length === 0) return 0;
      await runStepBatch(
        trx,
        services,
        jobs.map((job) => job.data),
      );
      await completeJobs(
        services.boss,
        queueNames.steps,
        jobs.map((job) => job.id),
        queueExecutor(trx),
      );
      return jobs.length;
    });
  } catch (error) {
    if (fetched.length === 0) throw error;
    log(
      `[worker] batch of ${fetched.length} rolled back (${(error as Error).message}); running its jobs one by one`,
    );
    for (const job of fetched) await runJobAlone(services, job, log);
    return fetched.length;
  }
}

/**
 * A step batch commits without waiting for its WAL to reach the disk. Nothing is lost by that: the
 * batch fetched and completes its own jobs in the same transaction, so a database crash that drops
 * it drops the fetch too and the jobs run again. Nothing leaves the database on its strength alone
 * either: delivery claims a message in a transaction of its own that does wait for the disk, and
 * that flush carries every earlier commit with it, the step's included, before anything is sent.
 */
async function relaxedCommit(trx: Transaction<DB>): Promise<void> {
  await sql`SET LOCAL synchronous_commit TO OFF`.execute(trx);
}

/** Claims one job row by id (if nobody else has) — the fallback path for a batch that failed. */
async function claimJob(trx: Transaction<DB>, id: string): Promise<boolean> {
  const result =
    await sql`SELECT id FROM pgboss.job WHERE name = ${queueNames.steps} AND id = ${id} AND state < 'active' FOR UPDATE SKIP LOCKED`.execute(
      trx,
    );
  return result.rows.length > 0;
}

async function runJobAlone(
  services: Pick<Services, 'db' | 'boss' | 'registry'>,
  job: PgBoss.Job<StepJob>,
  log: (line: string) => void,
): Promise<void> {
  try {
    await services.db.transaction().execute(async (trx) => {
      if (!(await claimJob(trx, job.id))) return;
      await runStepBatch(trx, services, [job.data]);
      await services.boss.deleteJob(queueNames.steps, job.id, { db: queueExecutor(trx) });
    });
  } catch (error) {
    // The job itself breaks the database transaction: count an attempt on the run, back off, and
    // fail the run after the last attempt, so one bad run never blocks the queue.
    const reason = (error as Error).message;
    log(`[worker] run ${job.data.runId} step ${job.data.seq}: ${reason}`);
    await services.db
      .transaction()
      .execute(async (trx) => {
        if (!(await claimJob(trx, job.id))) return;
        const run = await trx
          .selectFrom('runs')
          .select(['id', 'seq', 'attempts', 'status'])
          .where('id', '=', job.data.runId)
          .forUpdate()
          .executeTakeFirst();
        await services.boss.deleteJob(queueNames.steps, job.id, { db: queueExecutor(trx) });
        if (!run || run.seq !== job.data.seq || (run.status !== 'active' && run.status !== 'waiting')) return;
        const attempts = run.attempts + 1;
        if (attempts >= maxAttempts) {
          await trx
            .updateTable('runs')
            .set({ status: 'failed', attempts, error: reason, ended_at: new Date() })
            .where('id', '=', run.id)
            .execute();
          return;
        }
        await trx.updateTable('runs').set({ attempts, error: reason }).where('id', '=', run.id).execute();
        await services.boss.insert(
          [
            {
              name: queueNames.steps,
              data: job.data,
              startAfter: new Date(Date.now() + retryDelaySeconds(attempts) * 1000).toISOString(),
            },
          ],
          { db: queueExecutor(trx) },
        );
      })
      .catch((second) =>
        log(`[worker] could not record the failure of run ${job.data.runId}: ${(second as Error).message}`),
      );
  }
}

/** Moves runs whose long wait is over onto the step queue. Returns how many. */
export async function wakeDueRuns(services: Pick<Services, 'db' | 'boss'>, limit: number): Promise<number> {
  return services.db.transaction().execute(async (trx) => {
    const due = await sql<{ id: string; seq: number; status: string }>`
      WITH due AS (
        SELECT id FROM runs WHERE wake_at <= now() ORDER BY wake_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
      )
      UPDATE runs SET wake_at = NULL FROM due WHERE runs.id = due.id
      RETURNING runs.id, runs.seq, runs.status`.execute(trx);
    if (due.rows.length === 0) return 0;
    // A waiting run resumes its wait; an active one (moved onto a new version) runs its node.
    await services.boss.insert(
      due.rows.map((row) => ({
        name: queueNames.steps,
        data: { runId: row.id, seq: row.seq, ...(row.status === 'waiting' ? { resume: 'timer' } : {}) },
      })),
      { db: queueExecutor(trx) },
    );
    await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
    return due.rows.length;
  });
}

async function startListener(
  url: string,
  onWake: () => void,
  isRunning: () => boolean,
  log: (line: string) => void,
) {
  let client: pg.Client | null = null;
  let stopped = false;
  const connect = async (): Promise<void> => {
    if (stopped) return;
    const next = new pg.Client({ connectionString: url, application_name: 'waymark-listen' });
    next.on('notification', onWake);
    next.on('error', () => {
      // The database went away: wake the loops (they poll meanwhile) and reconnect.
      client = null;
      onWake();
      if (isRunning() && !stopped) setTimeout(() => void connect().catch(() => undefined), 1000);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${wakeChannel}`);
      client = next;
    } catch (error) {
      log(`[worker] LISTEN failed, polling meanwhile: ${(error as Error).message}`);
      next.end().catch(() => undefined);
      if (!stopped) setTimeout(() => void connect().catch(() => undefined), 1000);
    }
  };
  await connect();
  return {
    async stop() {
      stopped = true;
      await client?.end().catch(() => undefined);
    },
  };
}
