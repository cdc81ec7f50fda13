// Starts Waymark in one process: database (embedded unless DATABASE_URL), migrations, queue,
// HTTP API and/or worker by WAYMARK_ROLE; `stop()` ends them in reverse order.
import path from 'node:path';
import { sql } from 'kysely';
import type { Config } from './config';
import { createDatabase, type Database } from './db/database';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from './db/embedded-postgres';
import { migrateToLatest } from './db/migrate';
import { startHttpServer } from './http/http-server';
import { closeSmtpPools } from './channels/email-sender';
import { closeTemplatePool } from './channels/templates';
import { checkTypesInUse, loadNodeRegistry } from './plugins/node-registry';
import { startJobQueue } from './queue/job-queue';
import type { Services } from './services';
import { ensureDefaultWorkspace } from './workspaces/default-workspace';
import { startWorker, type Worker } from './engine/worker';
import { ensureWriteKey } from './ingest/write-keys';
import { ensureSeedAdmin } from './accounts/accounts';
import { configureEncryption, resolveEncryptionKey } from './security/encryption';

export interface RunningApplication {
  url: string | null;
  services: Services;
  stop(): Promise<void>;
}

export interface ApplicationOptions {
  config: Config;
  clientDir?: string;
  log?: (line: string) => void;
  /** Problems, with the error's stack (tRPC's internal errors, the worker's failures). */
  logError?: (line: string, error?: unknown) => void;
}

/**
 * Waits while PostgreSQL starts or restarts (a process started beside it, or during a failover),
 * saying so every few seconds; gives up after `seconds` (WAYMARK_DB_WAIT_SECONDS).
 */
async function waitForDatabase(db: Database, seconds: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let said = 0;
  for (;;) {
    try {
      await sql`SELECT 1`.execute(db);
      if (said > 0) log('[waymark] PostgreSQL answers');
      return;
    } catch (error) {
      if (Date.now() >= deadline)
        throw new Error(`PostgreSQL did not answer within ${seconds} s: ${(error as Error).message}`);
      if (Date.now() - said >= 5000) {
        log(`[waymark] waiting for PostgreSQL: ${(error as Error).message}`);
        said = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export async function startApplication({
  config,
  clientDir,
  log = console.log,
  logError = (line, error) => console.error(line, error),
}: ApplicationOptions): Promise<RunningApplication> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error) => log(`[waymark] while stopping: ${(error as Error).message}`));
    }
    cleanups.length = 0;
  };

  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const postgres: RunningPostgres = await startEmbeddedPostgres({
        dataDir: path.join(config.WAYMARK_DATA_DIR, 'pgdata'),
        port: config.WAYMARK_PG_PORT,
      });
      cleanups.push(() => postgres.stop());
      databaseUrl = await ensureDatabase(postgres.url, 'waymark');
      log(`[waymark] embedded PostgreSQL on port ${postgres.port} (data in ${postgres.dataDir})`);
    }

    configureEncryption(resolveEncryptionKey(config.WAYMARK_ENCRYPTION_KEY, config.WAYMARK_DATA_DIR, log));
    const databaseOptions = { preparedStatements: config.WAYMARK_PREPARED_STATEMENTS === 'on' };
    const { db } = createDatabase(databaseUrl, config.WAYMARK_DB_POOL, databaseOptions);
    cleanups.push(() => db.destroy());
    cleanups.push(() => closeTemplatePool());
    cleanups.push(async () => closeSmtpPools());
    await waitForDatabase(db, config.WAYMARK_DB_WAIT_SECONDS, log);
    const applied = await migrateToLatest(db);
    if (applied.length > 0) log(`[waymark] migrations applied: ${applied.join(', ')}`);

    const registry = await loadNodeRegistry(config.WAYMARK_PLUGINS);
    await checkTypesInUse(db, registry);
    const boss = await startJobQueue(databaseUrl, { supervise: config.WAYMARK_ROLE !== 'api' });
    cleanups.push(() => boss.stop({ graceful: true, wait: true, timeout: 10_000 }));

    const services: Services = {
      db,
      boss,
      registry,
      defaultWorkspaceId: '',
      secret: config.WAYMARK_SECRET,
      delivery: {
        publicUrl: config.WAYMARK_PUBLIC_URL ?? `http://localhost:${config.PORT || 3000}`,
        smtpUrl: config.SMTP_URL,
        from: config.WAYMARK_FROM,
        claimTimeoutSeconds: config.WAYMARK_DELIVERY_CLAIM_SECONDS,
        allowPrivateHosts: (config.WAYMARK_ALLOW_PRIVATE_HOSTS ?? '')
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
        probeSeconds: config.WAYMARK_DELIVERY_PROBE_SECONDS,
        maxAgeSeconds: config.WAYMARK_DELIVERY_MAX_AGE_HOURS * 3600,
        concurrency: config.WAYMARK_DELIVERY_CONCURRENCY,
        smtpPool: {
          connections: config.WAYMARK_SMTP_POOL_CONNECTIONS,
          messages: config.WAYMARK_SMTP_POOL_MESSAGES,
        },
        batch: config.WAYMARK_DELIVERY_BATCH,
      },
    };

    // Processes that start at once (an API and its workers) seed one workspace, admin and key: one at a time.
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('waymark-seed'))`.execute(trx);
      services.defaultWorkspaceId = await ensureDefaultWorkspace(trx);
      if (config.WAYMARK_ADMIN_EMAIL && config.WAYMARK_ADMIN_PASSWORD) {
        await ensureSeedAdmin(
          trx,
          services.defaultWorkspaceId,
          config.WAYMARK_ADMIN_EMAIL,
          config.WAYMARK_ADMIN_PASSWORD,
        );
      }
      if (config.WAYMARK_WRITE_KEY)
        await ensureWriteKey(trx, services.defaultWorkspaceId, config.WAYMARK_WRITE_KEY);
    });

    if (config.WAYMARK_ROLE !== 'api') {
      // The worker has connections of its own, so a flood of ingest calls cannot starve it.
      const { db: workerDb } = createDatabase(
        databaseUrl,
        config.WAYMARK_WORKER_LOOPS + 3 + config.WAYMARK_DELIVERY_CONCURRENCY,
        databaseOptions,
      );
      cleanups.push(() => workerDb.destroy());
      const worker: Worker = await startWorker({ ...services, db: workerDb }, databaseUrl, {
        loops: config.WAYMARK_WORKER_LOOPS,
        batchSize: config.WAYMARK_STEP_BATCH,
      });
      cleanups.push(() => worker.stop());
    }

    let url: string | null = null;
    if (config.WAYMARK_ROLE !== 'worker') {
      const http = await startHttpServer(services, {
        port: config.PORT,
        host: config.HOST,
        clientDir,
        ingestRequestsPerSecond: config.WAYMARK_INGEST_RATE,
        trustProxy: config.WAYMARK_TRUST_PROXY === 'on',
        log: config.WAYMARK_LOG === 'silent' ? undefined : log,
        logError,
      });
      cleanups.push(() => http.close());
      url = http.url;
    }
    return { url, services, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
