// GET /metrics in Prometheus text format (prom-client). Counters and histograms are this
// process's (ingest and HTTP in an API process, steps and delivery in a worker); the gauges read
// the database when scraped (runs by state, queue depth and oldest job, outbox backlog, paused
// providers), so any process tells the whole picture of those.
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from './db/database';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'waymark_' });

export const ingestMessages = new Counter({
  name: 'waymark_ingest_messages_total',
  help: 'Messages received on the ingest API, by outcome (stored, duplicate, rejected)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const stepsExecuted = new Counter({
  name: 'waymark_steps_total',
  help: 'Journey steps executed, by node type',
  labelNames: ['node_type'] as const,
  registers: [registry],
});
const stepCounters = new Map<string, { inc(): void }>();

/** Counts a step (on the engine's hot path: the labelled counter is looked up once per node type). */
export function countStep(nodeType: string): void {
  let counter = stepCounters.get(nodeType);
  if (!counter) stepCounters.set(nodeType, (counter = stepsExecuted.labels(nodeType)));
  counter.inc();
}
export const deliveryOutcomes = new Counter({
  name: 'waymark_delivery_outcomes_total',
  help: 'Outbox messages settled, by channel, provider and outcome (sent, held, failed, bounced, suppressed, uncertain, expired…)',
  labelNames: ['channel', 'provider', 'outcome'] as const,
  registers: [registry],
});
export const deliveryLatency = new Histogram({
  name: 'waymark_delivery_latency_seconds',
  help: 'From when a message was due to when its provider took it',
  labelNames: ['channel'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
  registers: [registry],
});
export const httpDuration = new Histogram({
  name: 'waymark_http_request_duration_seconds',
  help: 'HTTP requests, by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

let database: Database | undefined;

/** The database the scraped gauges read. */
export function measureDatabase(db: Database): void {
  database = db;
}

async function read<T>(query: (db: Database) => Promise<T[]>): Promise<T[]> {
  if (!database) return [];
  try {
    return await query(database);
  } catch {
    return []; // the database is away: /readyz says so; the scrape still answers
  }
}

new Gauge({
  name: 'waymark_runs',
  help: 'Journey runs by state',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const row of await read((db) =>
      db
        .selectFrom('runs')
        .select(['status', sql<number>`count(*)::int`.as('n')])
        .groupBy('status')
        .execute(),
    ))
      this.set({ state: row.status }, row.n);
  },
});

const queueJobs = new Gauge({
  name: 'waymark_queue_jobs',
  help: 'Jobs in the queue by queue and state',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});
new Gauge({
  name: 'waymark_queue_oldest_job_seconds',
  help: 'Age of the oldest job waiting in each queue',
  labelNames: ['queue'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    queueJobs.reset();
    const rows = await read((db) =>
      sql<{ name: string; state: string; n: number; oldest: number | null }>`
      SELECT name, state::text, count(*)::int AS n, extract(epoch FROM now() - min(created_on))::float8 AS oldest
      FROM pgboss.job WHERE state IN ('created', 'retry', 'active') GROUP BY name, state`
        .execute(db)
        .then((result) => result.rows),
    );
    const oldest = new Map<string, number>();
    for (const row of rows) {
      queueJobs.set({ queue: row.name, state: row.state }, row.n);
      if (row.state !== 'active' && row.oldest !== null)
        oldest.set(row.name, Math.max(oldest.get(row.name) ?? 0, row.oldest));
    }
    for (const [queue, seconds] of oldest) this.set({ queue }, seconds);
  },
});

new Gauge({
  name: 'waymark_outbox_messages',
  help: 'Outbox messages waiting or being sent, by channel and status',
  labelNames: ['channel', 'status'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const rows = await read((db) =>
      db
        .selectFrom('messages')
        .select(['channel', 'status', sql<number>`count(*)::int`.as('n')])
        .where('status', 'in', ['queued', 'sending'])
        .groupBy(['channel', 'status'])
        .execute(),
    );
    for (const row of rows) this.set({ channel: row.channel, status: row.status }, row.n);
  },
});

new Gauge({
  name: 'waymark_delivery_providers_paused',
  help: 'Delivery providers paused because they are down (all workspaces)',
  registers: [registry],
  async collect() {
    const rows = await read((db) =>
      db
        .selectFrom('delivery_providers')
        .select(sql<number>`count(*)::int`.as('n'))
        .execute(),
    );
    this.set(rows[0]?.n ?? 0);
  },
});

/** The route label of a request path: its kind, never ids or customer data. */
export function routeOf(pathname: string): string {
  if (pathname.startsWith('/trpc/')) return '/trpc';
  if (pathname.startsWith('/v1/'))
    return /^\/v1\/(identify|track|page|screen|group|alias|batch|[tpigasb])$/.test(pathname)
      ? pathname
      : '/v1/other';
  for (const prefix of ['/auth/', '/u/', '/p/', '/t/', '/assets/'])
    if (pathname.startsWith(prefix)) return `${prefix}…`;
  if (['/healthz', '/livez', '/readyz', '/metrics', '/'].includes(pathname)) return pathname;
  return 'other';
}
