// pg-boss: a small fixed set of queues (never one per journey or workspace).
import PgBoss from 'pg-boss';

export const queueNames = {
  steps: 'waymark-steps',
  delivery: 'waymark-delivery',
} as const;

/** Cross-process wake-up: sent inside the transaction that enqueues work, delivered on commit. */
export const wakeChannel = 'waymark_wake';

export interface StepJob {
  runId: string;
  seq: number;
  resume?: 'timer' | 'event';
  eventId?: string;
}

export async function startJobQueue(url: string, options: { supervise: boolean }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    schema: 'pgboss',
    max: 4,
    supervise: options.supervise,
    schedule: options.supervise,
    application_name: 'waymark-queue',
  });
  boss.on('error', (error) => console.error('[queue]', error.message));
  await boss.start();
  // Step jobs are fetched and completed inside the step's transaction, so a crash rolls them back
  // at once; expiry only guards against a handler that hangs.
  await ensureQueue(boss, queueNames.steps, {
    retryLimit: 10,
    retryDelay: 1,
    expireInSeconds: 120,
    retentionMinutes: 60,
  });
  await ensureQueue(boss, queueNames.delivery, {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 120,
    retentionMinutes: 60 * 24,
  });
  await ensureFetchIndex(boss);
  return boss;
}

/**
 * pg-boss 10 fetches the next jobs in (priority desc, created_on, id) order, but indexes waiting
 * jobs by (name, start_after) only: every fetch read and sorted a queue's whole backlog — 30 ms
 * per batch at 20,000 waiting jobs, over a second at a million (a big scheduled trigger). An index
 * in fetch order lets it read just the batch. On the partitioned job table, so every queue's
 * partition has it, now and when created later.
 */
export async function ensureFetchIndex(boss: PgBoss): Promise<void> {
  try {
    await boss
      .getDb()
      .executeSql(
        `CREATE INDEX IF NOT EXISTS ${fetchIndex} ON pgboss.job (name, priority DESC, created_on, id) WHERE state < 'active'`,
        [],
      );
  } catch (error) {
    // Another process starting at the same moment built it first.
    if (!['42P07', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
  }
}
export const fetchIndex = 'job_fetch_order';

async function ensureQueue(boss: PgBoss, name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
  if (!(await boss.getQueue(name))) {
    // Two processes starting together may both try; the loser updates instead.
    await boss.createQueue(name, { name, ...options }).catch(() => undefined);
  }
  await boss.updateQueue(name, { name, ...options });
}

/**
 * Completes jobs inside the caller's transaction. (pg-boss' typed three-argument form takes the
 * options as job output and would complete outside the transaction.)
 */
export async function completeJobs(boss: PgBoss, name: string, ids: string[], db: PgBoss.Db): Promise<void> {
  const complete = boss.complete.bind(boss) as unknown as (
    name: string,
    ids: string[],
    data: null,
    options: { db: PgBoss.Db },
  ) => Promise<unknown>;
  await complete(name, ids, null, { db });
}
