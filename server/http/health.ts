// GET /healthz: 200 when the database and the queue answer ("degraded" while a delivery provider
// is paused), 503 when not.
import { sql } from 'kysely';
import type { Services } from '../services';

export interface Health {
  status: 'ok' | 'degraded' | 'unavailable';
  database: 'up' | 'down';
  queue: 'up' | 'down';
  /** How many delivery providers are paused, their messages waiting (all workspaces; which ones, in Settings → Channels). */
  pausedProviders?: number;
  error?: string;
}

async function withTimeout<T>(promise: Promise<T>, milliseconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${milliseconds} ms`)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(services: Services): Promise<Health> {
  const health: Health = { status: 'ok', database: 'up', queue: 'up' };
  try {
    await withTimeout(sql`SELECT 1`.execute(services.db), 2000);
  } catch (error) {
    health.database = 'down';
    health.error = (error as Error).message;
  }
  try {
    await withTimeout(services.boss.getQueueSize('waymark-steps'), 2000);
  } catch (error) {
    health.queue = 'down';
    health.error ??= (error as Error).message;
  }
  if (health.database === 'up') {
    const paused = await withTimeout(
      services.db
        .selectFrom('delivery_providers')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirst(),
      2000,
    ).catch(() => undefined);
    if (paused && paused.n > 0) {
      health.status = 'degraded';
      health.pausedProviders = paused.n;
    }
  }
  if (health.database === 'down' || health.queue === 'down') health.status = 'unavailable';
  return health;
}
