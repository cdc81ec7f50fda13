// `npm run bench`: what users feel, each figure beside a baseline measured in the same run.
// Prints a table and writes bench/results.json. A benchmark, not a test: it never fails CI.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import PgBoss from 'pg-boss';
import { createDatabase, queueExecutor } from '../server/db/database';
import { ensureDatabase, startEmbeddedPostgres } from '../server/db/embedded-postgres';
import { migrateToLatest } from '../server/db/migrate';
import { enterJourneyMany } from '../server/engine/enter-journey';
import { startWorker } from '../server/engine/worker';
import { startHttpServer } from '../server/http/http-server';
import { createWriteKey } from '../server/ingest/write-keys';
import { createJourney } from '../server/journeys/journey-store';
import { publishJourney } from '../server/journeys/publish-journey';
import { createNodeRegistry } from '../server/plugins/node-registry';
import { completeJobs, ensureFetchIndex, fetchIndex, startJobQueue } from '../server/queue/job-queue';
import type { Services } from '../server/services';
import { ensureDefaultWorkspace } from '../server/workspaces/default-workspace';
import { getJourneyStats } from '../server/stats/journey-stats';
import { ensureSeedAdmin } from '../server/accounts/accounts';
import type { JourneyGraph } from '../shared/graph';
import { configureEncryption } from '../server/security/encryption';
import { addTracking, renderEmail } from '../server/channels/email-sender';

const quick = process.argv.includes('--quick');
// --only=engine,migration runs just those parts (ingest, engine, latency, delivery, templates, stats, migration, parked, canvas).
const only =
  process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') ?? (process.argv.includes('--only-latency') ? ['latency'] : null);
const runs = (part: string) => only === null || only.includes(part);
const loops = 2;
const batchSize = 100;

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  goal: string;
}
const figures: Figure[] = [];
let peakRss = 0;
const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

function progress(line: string) {
  process.stderr.write(`[bench] ${line}\n`);
}

function record(figure: Figure) {
  figures.push(figure);
  progress(
    `${figure.name}: ${figure.value} ${figure.unit}${figure.baseline !== null ? ` (baseline ${figure.baseline}, ratio ${figure.ratio})` : ''}`,
  );
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function graph(
  nodes: Array<{ id: string; type: string; config?: object }>,
  edges: Array<[string, string, string?]>,
): JourneyGraph {
  return {
    schemaVersion: 1,
    nodes: nodes.map((node, index) => ({
      id: node.id,
      type: node.type,
      position: { x: 0, y: index * 100 },
      config: (node.config ?? {}) as Record<string, unknown>,
    })),
    edges: edges.map(([source, target, sourcePort = 'out'], index) => ({
      id: `e${index}`,
      source,
      target,
      sourcePort,
    })),
  };
}

async function publish(services: Services, draft: JourneyGraph): Promise<string> {
  const journey = await createJourney(services.db, services.defaultWorkspaceId, {
    name: `bench ${randomUUID().slice(0, 6)}`,
    draft,
  });
  await publishJourney(services.db, services.registry, services.defaultWorkspaceId, journey.id);
  return journey.id;
}

/** Whether every run of the journey is done: one probe of the index of open runs, cheap enough to poll. */
async function allCompleted(services: Services, journeyId: string): Promise<boolean> {
  const open =
    await sql`SELECT 1 FROM runs WHERE journey_id = ${journeyId} AND status IN ('active', 'waiting') LIMIT 1`.execute(
      services.db,
    );
  return open.rows.length === 0;
}

/**
 * Whether every customer has left the journey's last node, read from the stats rollup (written in
 * the same transaction as the step): a few rows, where asking the runs table walked the index
 * entries of every run already finished, which with a million parked runs cost the measured engine
 * a sixth of PostgreSQL's time (every 50 ms).
 */
async function allLeft(
  services: Services,
  journeyId: string,
  lastNode: string,
  customers: number,
): Promise<boolean> {
  const done = await sql<{ n: number }>`
    SELECT coalesce(sum(s.passed + s.exited + s.failed), 0)::int AS n FROM node_stats s JOIN journeys j ON j.live_version_id = s.version_id
    WHERE j.id = ${journeyId} AND s.node_id = ${lastNode}`.execute(services.db);
  return done.rows[0].n >= customers;
}

/**
 * Four hostile template previews at once (nested loops, a doubling string, a huge sorted range, ten
 * million iterations): each must fail with a clear error while /healthz keeps answering. The figure
 * is /healthz's p99 while they run, beside its p99 on an idle server.
 */
async function benchHostileTemplates(url: string) {
  const hostile = [
    '{% for i in (1..10000) %}{% for j in (1..10000) %}{% cycle "a","b","c" %}{% endfor %}{% endfor %}',
    '{% assign a = "xxxxxxxxxx" %}{% for i in (1..10000) %}{% assign a = a | append: a %}{% endfor %}{{ a | size }}',
    '{{ (1..9999999) | sort | size }}',
    '{% for i in (1..10000000) %}{% cycle "a","b","c" %}{% endfor %}',
  ];
  const probe = async (whileRunning: () => boolean, minimumMs: number) => {
    const latencies: number[] = [];
    const until = Date.now() + minimumMs;
    while (whileRunning() || Date.now() < until) {
      const start = performance.now();
      await (await fetch(`${url}/healthz`)).text();
      latencies.push(performance.now() - start);
    }
    return latencies.sort((a, b) => a - b);
  };
  const idle = await probe(() => false, 1500);
  let done = false;
  const previews = Promise.all(
    hostile.map((html) =>
      renderEmail({ subject: 'x', html }, { profile: {}, event: {}, vars: {} }).then(
        () => ({ ok: true }),
        () => ({ ok: false }),
      ),
    ),
  ).finally(() => {
    done = true;
  });
  const busy = await probe(() => !done, 1500);
  const results = await previews;
  const failed = results.filter((result) => !result.ok).length;
  progress(
    `templates: ${failed} of ${hostile.length} hostile previews failed with a clear error; ${busy.length} /healthz answers meanwhile`,
  );
  const idleP99 = round(percentile(idle, 99), 1);
  const busyP99 = round(percentile(busy, 99), 1);
  record({
    name: 'templates.healthz_p99_during_hostile_previews',
    value: busyP99,
    unit: 'ms',
    baseline: idleP99,
    ratio: round(idleP99 / busyP99, 2),
    goal: '< 100 ms',
  });
}

const workerPools: Array<{ destroy(): Promise<void> }> = [];
/** The worker with a pool of its own, as the application runs it. */
async function workerServices(services: Services, databaseUrl: string): Promise<Services> {
  const { db } = createDatabase(databaseUrl, loops + 3);
  workerPools.push(db);
  return { ...services, db };
}

/**
 * Starts a part from a settled database: the previous part's dead rows vacuumed, its dirty pages
 * written out, no autovacuum still at work — otherwise one part's clean-up lands in the next
 * part's figures (latency after the engine part read 280 ms at p99 while the engine's 100,000
 * steps were being vacuumed, 115-150 ms alone).
 */
async function settle(services: Services): Promise<void> {
  await sql`VACUUM (ANALYZE)`.execute(services.db);
  await sql`CHECKPOINT`.execute(services.db);
  // And the disk has written out what the checkpoint handed it: after a bulk load (a million parked
  // runs: 1.6 GB) the kernel's writeback otherwise runs beside the measurement.
  execFileSync('sync');
  for (let waited = 0; waited < 60_000; waited += 500) {
    const busy = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`.execute(
      services.db,
    );
    if (busy.rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Compiled (dist/bench, by `npm run bench`) the bench's helpers are JavaScript beside it; else TypeScript through tsx. */
const compiled = import.meta.url.endsWith('.js');
const helper = (name: string) => path.join(import.meta.dirname, `${name}${compiled ? '.js' : '.ts'}`);
const nodeArgs = compiled ? [] : ['--import', 'tsx'];

async function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`load process exited with ${code}`)),
    );
  });
}

async function benchIngest(services: Services, url: string) {
  const { key } = await createWriteKey(services.db, services.defaultWorkspaceId, 'bench');
  const seconds = quick ? 5 : 15;
  progress(`ingest: /v1/batch, 100 events a call, 8 in flight, ${seconds} s from a separate process…`);
  const result = JSON.parse(await runChild([helper('load-ingest'), url, key, String(seconds), '8', 'api']));
  const viaApi = result.events / result.seconds;

  // Baseline: the same rows as plain multi-row INSERTs into the same table, 8 in flight.
  const profiles = await sql<{
    id: string;
  }>`INSERT INTO profiles (workspace_id, user_id) SELECT ${services.defaultWorkspaceId}, 'base-' || n FROM generate_series(1, 5000) n RETURNING id`.execute(
    services.db,
  );
  const ids = profiles.rows.map((row) => row.id);
  let inserted = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, lane) => {
      let n = 0;
      while (Date.now() < deadline) {
        const rows = Array.from({ length: 100 }, () => {
          n++;
          return {
            workspace_id: services.defaultWorkspaceId,
            profile_id: ids[n % ids.length],
            type: 'track',
            name: 'Product Viewed',
            message_id: `base-${lane}-${n}`,
            occurred_at: new Date(),
            properties: JSON.stringify({ sku: `SKU-${n % 977}`, price: n % 100 }),
          };
        });
        await services.db.insertInto('events').values(rows).execute();
        inserted += rows.length;
      }
    }),
  );
  const baseline = inserted / ((Date.now() - started) / 1000);
  record({
    name: 'ingest.events_per_second',
    value: round(viaApi),
    unit: 'events/s',
    baseline: round(baseline),
    ratio: round(viaApi / baseline, 2),
    goal: '≥ 15000 events/s and ratio ≥ 0.5',
  });
  if (result.errors > 0) progress(`ingest: ${result.errors} calls failed`);
}

async function benchEngine(services: Services, databaseUrl: string) {
  const customers = quick ? 5_000 : 20_000;
  progress(`engine: ${customers} customers through trigger → condition → delay(0) → email → goal…`);
  const seconds = await runEngineWorkload(services, databaseUrl, customers, 'eng');
  const steps = customers * 5;
  const jobs = customers * 2;

  // Baseline: raw pg-boss fetch + complete of the same number of jobs, same loops and batch size,
  // on the same job table (with the fetch-order index Waymark adds; statistics fresh, as for the engine).
  const rawJobsPerSecond = await rawQueueRate(services, 'bench-raw', jobs);
  // And pg-boss as it ships, without that index: each fetch sorts the queue's whole backlog.
  await sql.raw(`DROP INDEX pgboss.${fetchIndex}`).execute(services.db);
  const shippedJobsPerSecond = await rawQueueRate(services, 'bench-raw-shipped', jobs);
  await ensureFetchIndex(services.boss);
  const engineJobsPerSecond = jobs / seconds;
  // Steps per second against the queue's jobs per second, as the figure is asked for. A job runs a
  // run's steps up to its next wait (here 2 jobs a customer, 2.5 steps each), so the jobs figure
  // below is the stricter one: what the engine adds to each job the queue hands out.
  record({
    name: 'engine.steps_per_second',
    value: round(steps / seconds),
    unit: 'steps/s',
    baseline: round(rawJobsPerSecond),
    ratio: round(steps / seconds / rawJobsPerSecond, 2),
    goal: 'ratio to pg-boss fetch+complete jobs/s ≥ 0.5, aim 0.7',
  });
  record({
    name: 'engine.jobs_per_second',
    value: round(engineJobsPerSecond),
    unit: 'jobs/s',
    baseline: round(rawJobsPerSecond),
    ratio: round(engineJobsPerSecond / rawJobsPerSecond, 2),
    goal: 'per job: engine vs fetch+complete alone',
  });
  record({
    name: 'engine.jobs_per_second_vs_pgboss_as_shipped',
    value: round(engineJobsPerSecond),
    unit: 'jobs/s',
    baseline: round(shippedJobsPerSecond),
    ratio: round(engineJobsPerSecond / shippedJobsPerSecond, 2),
    goal: 'baseline without the fetch-order index (fetch sorts the backlog)',
  });
}

/** Jobs per second that `loops` loops fetch and complete from a queue of `jobs` waiting jobs, batches of `batchSize`. */
async function rawQueueRate(services: Services, queue: string, jobs: number): Promise<number> {
  await services.boss.createQueue(queue);
  for (let start = 0; start < jobs; start += 5000) {
    await services.boss.insert(
      Array.from({ length: Math.min(5000, jobs - start) }, (_, i) => ({
        name: queue,
        data: { runId: randomUUID(), seq: start + i },
      })),
    );
  }
  await sql`ANALYZE pgboss.job`.execute(services.db);
  const started = Date.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (;;) {
        const fetched = await services.boss.fetch(queue, { batchSize });
        if (fetched.length === 0) break;
        await completeJobs(
          services.boss,
          queue,
          fetched.map((job) => job.id),
          queueExecutor(services.db),
        );
        done += fetched.length;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

async function benchLatency(services: Services, url: string, databaseUrl: string) {
  const journeyId = await publish(
    services,
    graph(
      [
        { id: 't', type: 'trigger.event', config: { event: 'Latency Probe' } },
        { id: 'm', type: 'touchpoint.email', config: { subject: 'Right away' } },
      ],
      [['t', 'm']],
    ),
  );
  const { key } = await createWriteKey(services.db, services.defaultWorkspaceId, 'latency');
  const worker = await startWorker(await workerServices(services, databaseUrl), databaseUrl, {
    loops,
    batchSize,
    log: (line) => {
      if (!line.startsWith('[email]')) progress(line);
    },
  });
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const seconds = quick ? 5 : 20;
  const rate = 200;
  progress(`latency: ${rate} events/s for ${seconds} s, event received → first message in the outbox…`);
  const load = JSON.parse(
    await runChild([helper('load-rate'), url, key, 'Latency Probe', String(rate), String(seconds)]),
  );
  if (load.errors > 0) progress(`latency: ${load.errors} calls failed`);
  for (;;) {
    if (await allCompleted(services, journeyId)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await worker.stop();
  lag.disable();
  progress(
    `event loop delay during the latency run: p50 ${round(lag.percentile(50) / 1e6, 1)} ms, p99 ${round(lag.percentile(99) / 1e6, 1)} ms`,
  );
  const latencies = await sql<{ ms: number }>`
    SELECT extract(epoch FROM (m.created_at - e.received_at)) * 1000 AS ms
    FROM messages m JOIN runs r ON r.id = m.run_id JOIN events e ON e.id = (r.context -> 'event' ->> 'id')::uuid
    WHERE m.journey_id = ${journeyId}`.execute(services.db);
  for (const p of [0.5, 0.99]) {
    const phases = await sql<{ ingest: number; pickup: number; n: number }>`
      SELECT percentile_cont(${p}) WITHIN GROUP (ORDER BY extract(epoch FROM (r.entered_at - e.received_at)) * 1000) AS ingest,
             percentile_cont(${p}) WITHIN GROUP (ORDER BY extract(epoch FROM (s.entered_at - r.entered_at)) * 1000) AS pickup, count(*)::int AS n
      FROM runs r JOIN events e ON e.id = (r.context -> 'event' ->> 'id')::uuid JOIN steps s ON s.run_id = r.id AND s.seq = 0
      WHERE r.journey_id = ${journeyId}`.execute(services.db);
    progress(
      `latency phases (p${p * 100}): received → run entered ${round(Number(phases.rows[0].ingest), 1)} ms, run entered → first step ${round(Number(phases.rows[0].pickup), 1)} ms (${phases.rows[0].n} runs)`,
    );
  }
  const sorted = latencies.rows.map((row) => Number(row.ms)).sort((a, b) => a - b);
  for (const p of [50, 95, 99]) {
    record({
      name: `latency.event_to_outbox_p${p}`,
      value: round(percentile(sorted, p), 1),
      unit: 'ms',
      baseline: null,
      ratio: null,
      goal: p === 99 ? '< 250 ms' : '',
    });
  }
}

async function benchStats(services: Services) {
  const runs = quick ? 40_000 : 200_000; // × 5 steps = 1,000,000 step rows (200,000 in --quick)
  const journeyId = await publish(
    services,
    graph(
      [
        { id: 't', type: 'trigger.event', config: { event: 'Stats Bench' } },
        { id: 'ab', type: 'condition.ab' },
        { id: 'a', type: 'touchpoint.email', config: { subject: 'A' } },
        { id: 'b', type: 'touchpoint.email', config: { subject: 'B' } },
        { id: 'g', type: 'action.goal' },
        { id: 'x', type: 'action.exit' },
      ],
      [
        ['t', 'ab'],
        ['ab', 'a', 'a'],
        ['ab', 'b', 'b'],
        ['a', 'g'],
        ['b', 'g'],
        ['g', 'x'],
      ],
    ),
  );
  const version = await services.db
    .selectFrom('journeys')
    .select('live_version_id')
    .where('id', '=', journeyId)
    .executeTakeFirstOrThrow();
  const profile = await sql<{
    id: string;
  }>`INSERT INTO profiles (workspace_id, user_id) VALUES (${services.defaultWorkspaceId}, 'stats-bench') RETURNING id`.execute(
    services.db,
  );
  progress(`stats: seeding ${runs * 5} step rows over 30 days…`);
  // Seeded in SQL (the engine would take minutes to make a million steps); the rollup is built
  // from them exactly as the step transactions add to it.
  await sql`
    INSERT INTO runs (id, workspace_id, journey_id, version_id, profile_id, status, current_node, seq, entered_at, ended_at, converted_at)
    SELECT gen_random_uuid(), ${services.defaultWorkspaceId}, ${journeyId}, ${version.live_version_id}, ${profile.rows[0].id}, 'completed', 'g', 4,
           now() - (n % 720) * interval '1 hour', now(), CASE WHEN n % 3 = 0 THEN now() END
    FROM generate_series(1, ${runs}) AS n`.execute(services.db);
  await sql`
    INSERT INTO steps (run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, left_at, port, outcome)
    SELECT r.id, s.seq, r.workspace_id, r.journey_id, r.version_id, s.node, r.entered_at, r.entered_at, s.port, 'passed'
    FROM runs r CROSS JOIN LATERAL (VALUES (0, 't', 'out'), (1, 'ab', CASE WHEN hashtext(r.id::text) % 2 = 0 THEN 'a' ELSE 'b' END),
      (2, CASE WHEN hashtext(r.id::text) % 2 = 0 THEN 'a' ELSE 'b' END, 'out'), (3, 'g', 'out'), (4, 'x', 'out')) AS s(seq, node, port)
    WHERE r.journey_id = ${journeyId}`.execute(services.db);
  await sql`
    INSERT INTO node_stats (version_id, node_id, port, hour, shard, entered, passed, converted)
    SELECT version_id, node_id, '', date_trunc('hour', entered_at), 0, count(*), 0, 0 FROM steps WHERE journey_id = ${journeyId} GROUP BY 1, 2, 4
    UNION ALL
    SELECT s.version_id, s.node_id, s.port, date_trunc('hour', s.left_at), 1, 0, count(*), count(r.converted_at) FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.journey_id = ${journeyId} GROUP BY 1, 2, 3, 4`.execute(
    services.db,
  );
  await sql`ANALYZE steps; ANALYZE node_stats; ANALYZE runs`.execute(services.db);

  const time = async (run: () => Promise<unknown>, times: number) => {
    const samples: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      await run();
      samples.push(performance.now() - started);
    }
    return samples.sort((a, b) => a - b);
  };
  const rollup = await time(() => getJourneyStats(services.db, services.defaultWorkspaceId, journeyId), 30);
  // Baseline: the same per-node counts by scanning the step log.
  const scan = await time(
    () =>
      sql`SELECT node_id, port, count(*) FROM steps WHERE journey_id = ${journeyId} GROUP BY node_id, port`.execute(
        services.db,
      ),
    5,
  );
  record({
    name: 'stats.query_p50',
    value: round(percentile(rollup, 50), 1),
    unit: `ms (${runs * 5} step rows)`,
    baseline: round(percentile(scan, 50), 1),
    ratio: round(percentile(rollup, 50) / percentile(scan, 50), 3),
    goal: '< 100 ms (baseline: a scan of the step log)',
  });
  record({
    name: 'stats.query_p99',
    value: round(percentile(rollup, 99), 1),
    unit: 'ms',
    baseline: round(percentile(scan, 99), 1),
    ratio: round(percentile(rollup, 99) / percentile(scan, 99), 3),
    goal: '< 100 ms',
  });
}

/** A journey of `count` nodes: a trigger, then chains of delays and emails in columns. */
function largeGraph(count: number): JourneyGraph {
  const nodes: JourneyGraph['nodes'] = [
    { id: 'n0', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Big' } },
  ];
  const edges: JourneyGraph['edges'] = [];
  for (let i = 1; i < count; i++) {
    const column = i % 10;
    const row = Math.floor(i / 10);
    nodes.push({
      id: `n${i}`,
      type: i % 2 ? 'wait.delay' : 'touchpoint.email',
      position: { x: column * 260, y: row * 140 + 140 },
      config: i % 2 ? { duration: { amount: i, unit: 'hours' } } : { subject: `Message ${i}` },
    });
    edges.push({ id: `e${i}`, source: i <= 10 ? 'n0' : `n${i - 10}`, sourcePort: 'out', target: `n${i}` });
  }
  // Only one edge may leave the trigger's port: chain the first row instead.
  for (let i = 2; i <= 10 && i < count; i++)
    edges[i - 1] = { id: `e${i}`, source: `n${i - 1}`, sourcePort: 'out', target: `n${i}` };
  return { schemaVersion: 1, nodes, edges };
}

async function benchCanvas(services: Services, url: string) {
  const { chromium } = await import('playwright-core');
  const { findBrowser } = await import('../scripts/find-browser.mjs');
  const size = 500;
  const big = await createJourney(services.db, services.defaultWorkspaceId, {
    name: 'Big journey',
    draft: largeGraph(size),
  });
  const empty = await createJourney(services.db, services.defaultWorkspaceId, { name: 'Empty journey' });
  const browser = await chromium.launch({
    executablePath: findBrowser({ install: false }) ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    // bypassCSP: the app forbids eval; the measuring scripts here are ours.
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 }, bypassCSP: true });
    await ensureSeedAdmin(
      services.db,
      services.defaultWorkspaceId,
      'bench@waymark.local',
      'bench password 123',
    );
    await page.goto(url);
    await page.getByLabel('Email').fill('bench@waymark.local');
    await page.getByLabel('Password').fill('bench password 123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    const open = async (id: string, nodes: number) => {
      const started = Date.now();
      await page.goto(`${url}/journeys/${id}`);
      // Interactive: nodes, palette and problems are on screen, and the page paints its next frame
      // (plain selectors: a role query walks the accessibility tree of every node and costs more
      // than the page itself).
      await page.waitForFunction(
        `document.querySelectorAll('.journey-node').length >= ${Math.min(nodes, 1)} && document.querySelector('[aria-label="Node palette"]') !== null && document.querySelector('.problems-panel h2') !== null`,
        undefined,
        { timeout: 60_000, polling: 'raf' },
      );
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))');
      return Date.now() - started;
    };
    await open(empty.id, 0); // warm the browser cache
    const emptyMs = await open(empty.id, 0);
    progress(`canvas: opening a ${size}-node journey…`);
    const bigMs = await open(big.id, size);
    record({
      name: 'canvas.open_500_nodes',
      value: bigMs,
      unit: 'ms',
      baseline: emptyMs,
      ratio: round(bigMs / Math.max(1, emptyMs), 2),
      goal: '< 1000 ms (baseline: an empty journey)',
    });

    // Drag the node nearest the middle of the canvas (not to its edge, where the canvas pans
    // along) and record the frame times while it moves.
    const middle = (await page.evaluate(`(() => {
      const pane = document.querySelector('.react-flow').getBoundingClientRect();
      const at = { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 };
      let best = null; let distance = Infinity;
      for (const element of document.querySelectorAll('.react-flow__node')) {
        const box = element.getBoundingClientRect();
        const d = Math.hypot(box.left + box.width / 2 - at.x, box.top + box.height / 2 - at.y);
        if (d < distance) { distance = d; best = element.getAttribute('data-id'); }
      }
      return best;
    })()`)) as string;
    const node = page.locator(`.react-flow__node[data-id="${middle}"]`);
    const box = (await node.boundingBox())!;
    const frames = async (during: () => Promise<void>) => {
      // Plain strings: the page must not see helpers the TypeScript loader adds to functions.
      await page.evaluate(`(() => {
        window.frames_ = []; window.stop_ = false;
        let last = performance.now();
        const tick = (now) => { window.frames_.push(now - last); last = now; if (!window.stop_) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
      })()`);
      await during();
      return page.evaluate(`(() => { window.stop_ = true; return window.frames_.slice(1); })()`) as Promise<
        number[]
      >;
    };
    const idle = await frames(() => page.waitForTimeout(1000));
    const dragging = await frames(async () => {
      await page.mouse.move(box.x + box.width / 2, box.y + 10);
      await page.mouse.down();
      for (let step = 0; step < 60; step++)
        await page.mouse.move(box.x + box.width / 2 + step * 5, box.y + 10 + step * 3);
      await page.mouse.up();
    });
    const sortedDrag = [...dragging].sort((a, b) => a - b);
    const sortedIdle = [...idle].sort((a, b) => a - b);
    record({
      name: 'canvas.drag_frame_p50',
      value: round(percentile(sortedDrag, 50), 1),
      unit: 'ms',
      baseline: round(percentile(sortedIdle, 50), 1),
      ratio: round(percentile(sortedDrag, 50) / Math.max(0.1, percentile(sortedIdle, 50)), 2),
      goal: 'smooth: near the idle frame time',
    });
    record({
      name: 'canvas.drag_frame_p95',
      value: round(percentile(sortedDrag, 95), 1),
      unit: 'ms',
      baseline: round(percentile(sortedIdle, 95), 1),
      ratio: round(percentile(sortedDrag, 95) / Math.max(0.1, percentile(sortedIdle, 95)), 2),
      goal: '< 50 ms',
    });
  } finally {
    await browser.close();
  }
}

/** Parks `count` customers in a 30-day wait of a journey, as the engine leaves them (run + open step + wake time). */
async function parkRuns(
  services: Services,
  journeyId: string,
  nodeId: string,
  count: number,
  prefix: string,
): Promise<void> {
  const version = await services.db
    .selectFrom('journeys')
    .select('live_version_id')
    .where('id', '=', journeyId)
    .executeTakeFirstOrThrow();
  for (let start = 0; start < count; start += 100_000) {
    const n = Math.min(100_000, count - start);
    await sql`
      WITH p AS (
        INSERT INTO profiles (workspace_id, user_id, traits)
        SELECT ${services.defaultWorkspaceId}, ${prefix} || '-' || (${start} + g), jsonb_build_object('email', ${prefix} || (${start} + g) || '@example.com')
        FROM generate_series(1, ${n}) g RETURNING id
      ), r AS (
        INSERT INTO runs (workspace_id, journey_id, version_id, profile_id, status, current_node, seq, wake_at, entered_at)
        SELECT ${services.defaultWorkspaceId}, ${journeyId}, ${version.live_version_id}, p.id, 'waiting', ${nodeId}, 1,
          now() + interval '30 days' + (random() * interval '1 day'), now() - (random() * interval '2 days')
        FROM p RETURNING id, entered_at
      )
      INSERT INTO steps (run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, outcome)
      SELECT r.id, 1, ${services.defaultWorkspaceId}, ${journeyId}, ${version.live_version_id}, ${nodeId}, r.entered_at, 'waiting' FROM r`.execute(
      services.db,
    );
  }
  await sql`ANALYZE runs`.execute(services.db);
  await sql`ANALYZE steps`.execute(services.db);
}

/**
 * Seconds for a fresh journey's customers to go through trigger → condition → delay(0) → email →
 * goal (five steps, two jobs each), with the worker as the application runs it.
 */
async function runEngineWorkload(
  services: Services,
  databaseUrl: string,
  customers: number,
  label: string,
): Promise<number> {
  const journeyId = await publish(
    services,
    graph(
      [
        { id: 't', type: 'trigger.event', config: { event: `Bench ${label}` } },
        {
          id: 'c',
          type: 'condition.if',
          config: {
            condition: {
              match: 'all',
              rules: [{ kind: 'attribute', source: 'trait', path: 'email', op: 'exists' }],
            },
          },
        },
        { id: 'd', type: 'wait.delay', config: { duration: { amount: 0, unit: 'seconds' } } },
        { id: 'm', type: 'touchpoint.email', config: { subject: 'Hello' } },
        { id: 'g', type: 'action.goal' },
      ],
      [
        ['t', 'c'],
        ['c', 'd', 'yes'],
        ['d', 'm'],
        ['m', 'g'],
      ],
    ),
  );
  const profiles = await sql<{
    id: string;
  }>`INSERT INTO profiles (workspace_id, user_id, traits) SELECT ${services.defaultWorkspaceId}, ${label} || '-' || n, jsonb_build_object('email', 'x' || n || '@example.com') FROM generate_series(1, ${customers}) n RETURNING id`.execute(
    services.db,
  );
  for (let start = 0; start < customers; start += 5000) {
    await services.db.transaction().execute((trx) =>
      enterJourneyMany(trx, services.boss, {
        workspaceId: services.defaultWorkspaceId,
        journeyId,
        entries: profiles.rows.slice(start, start + 5000).map((row) => ({ profileId: row.id, event: null })),
      }),
    );
  }
  await sql`ANALYZE pgboss.job`.execute(services.db);
  const started = Date.now();
  // The step loops alone, as the queue baseline: the outbox (20,000 emails here) is delivered by
  // the same workers in production, at the provider's pace, and is not part of a step.
  const worker = await startWorker(await workerServices(services, databaseUrl), databaseUrl, {
    loops,
    batchSize,
    deliver: false,
    log: (line) => {
      if (!line.startsWith('[email]')) progress(line);
    },
  });
  for (let poll = 1; ; poll++) {
    if (await allLeft(services, journeyId, 'g', customers)) break;
    // A run that failed on the way never reaches the last node: every 2 s, ask the runs as well.
    if (poll % 40 === 0 && (await allCompleted(services, journeyId))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (Date.now() - started) / 1000;
  await worker.stop();
  return seconds;
}

async function benchParked(services: Services, databaseUrl: string) {
  const parked = quick ? 50_000 : 1_000_000;
  const customers = quick ? 2_000 : 10_000;
  await settle(services);
  const before = (customers * 5) / (await runEngineWorkload(services, databaseUrl, customers, 'unparked'));
  const sizeBefore = await sql<{
    bytes: number;
  }>`SELECT pg_database_size(current_database())::bigint AS bytes`.execute(services.db);
  const journeyId = await publish(
    services,
    graph(
      [
        { id: 't', type: 'trigger.event', config: { event: 'Bench Parked' } },
        { id: 'w', type: 'wait.delay', config: { duration: { amount: 30, unit: 'days' } } },
        { id: 'm', type: 'touchpoint.email', config: { subject: 'A month later' } },
      ],
      [
        ['t', 'w'],
        ['w', 'm'],
      ],
    ),
  );
  progress(`parked: ${parked} customers waiting 30 days…`);
  const parkStarted = Date.now();
  await parkRuns(services, journeyId, 'w', parked, 'sleeper');
  progress(`parked: ${parked} runs written in ${round((Date.now() - parkStarted) / 1000, 1)} s`);
  const sizeAfter = await sql<{
    bytes: number;
  }>`SELECT pg_database_size(current_database())::bigint AS bytes`.execute(services.db);
  // Measured with the parked runs settled in, not while autovacuum works through their bulk load.
  await settle(services);
  const after = (customers * 5) / (await runEngineWorkload(services, databaseUrl, customers, 'with-parked'));
  record({
    name: 'engine.steps_per_second_with_parked_runs',
    value: round(after),
    unit: `steps/s with ${parked.toLocaleString('en')} runs parked`,
    baseline: round(before),
    ratio: round(after / before, 2),
    goal: 'ratio ≥ 0.8 (baseline: nothing parked)',
  });
  record({
    name: 'postgres.bytes_per_parked_run',
    value: round((Number(sizeAfter.rows[0].bytes) - Number(sizeBefore.rows[0].bytes)) / parked),
    unit: 'bytes/run (run, open step, profile)',
    baseline: null,
    ratio: null,
    goal: `database ${round(Number(sizeAfter.rows[0].bytes) / 1024 ** 3, 2)} GiB with them`,
  });
  return journeyId;
}

async function benchMigration(services: Services, url: string) {
  const customers = quick ? 20_000 : 100_000;
  const journey = await createJourney(services.db, services.defaultWorkspaceId, {
    name: 'bench migration',
    draft: graph(
      [
        { id: 't', type: 'trigger.event', config: { event: 'Bench Migration' } },
        { id: 'w', type: 'wait.delay', config: { duration: { amount: 3, unit: 'days' } } },
        { id: 'm', type: 'touchpoint.email', config: { subject: 'Old' } },
      ],
      [
        ['t', 'w'],
        ['w', 'm'],
      ],
    ),
  });
  await publishJourney(services.db, services.registry, services.defaultWorkspaceId, journey.id);
  await parkRuns(services, journey.id, 'w', customers, 'moving');
  await services.db
    .updateTable('journeys')
    .set({
      draft: JSON.stringify(
        graph(
          [
            { id: 't', type: 'trigger.event', config: { event: 'Bench Migration' } },
            { id: 'w', type: 'wait.delay', config: { duration: { amount: 1, unit: 'days' } } },
            { id: 'n', type: 'touchpoint.email', config: { subject: 'New' } },
          ],
          [
            ['t', 'w'],
            ['w', 'n'],
          ],
        ),
      ),
    })
    .where('id', '=', journey.id)
    .execute();
  // Ingest goes on meanwhile: its latency during the move says whether the move blocks it.
  const { key } = await createWriteKey(services.db, services.defaultWorkspaceId, 'bench migration');
  const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const latencies: number[] = [];
  let moving = true;
  const ingest = (async () => {
    for (let n = 0; moving; n++) {
      const started = performance.now();
      await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: `during-${n % 50}`, event: 'Page Viewed' }),
      });
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  progress(`migration: moving ${customers} waiting customers onto a new version (wait re-timed)…`);
  const started = Date.now();
  const result = await publishJourney(
    services.db,
    services.registry,
    services.defaultWorkspaceId,
    journey.id,
    { w: { to: 'w', retime: true } },
  );
  const seconds = (Date.now() - started) / 1000;
  moving = false;
  await ingest;
  latencies.sort((a, b) => a - b);
  record({
    name: 'migration.runs_moved_per_second',
    value: round(result.migrated.moved / seconds),
    unit: `runs/s (${result.migrated.moved.toLocaleString('en')} in ${round(seconds, 1)} s, one transaction)`,
    baseline: null,
    ratio: null,
    goal: '100,000 waiting runs in seconds',
  });
  record({
    name: 'migration.ingest_p99_during_move',
    value: round(percentile(latencies, 99), 1),
    unit: `ms (${latencies.length} calls)`,
    baseline: null,
    ratio: null,
    goal: 'ingest not blocked by the move',
  });
  // The moved runs are due now; they are not part of the later figures.
  await sql`DELETE FROM runs WHERE journey_id = ${journey.id}`.execute(services.db);
}

/** The benchmark's SMTP server (bench/smtp-sink.ts), in a child process; `received()` is its count. */
async function startBenchSink(): Promise<{ url: string; received(): number; stop(): void }> {
  const child = spawn(process.execPath, [...nodeArgs, helper('smtp-sink')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let count = 0;
  const port = await new Promise<number>((resolve) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('port ')) resolve(Number(line.slice(5)));
        if (line.startsWith('received ')) count = Number(line.slice(9));
      }
    });
  });
  return { url: `smtp://127.0.0.1:${port}`, received: () => count, stop: () => child.kill() };
}

/**
 * Emails per second from the outbox to a local SMTP server, beside nodemailer's own pooled send of
 * the same messages to the same server. The outbox path claims, checks consent, caps and quiet
 * hours, renders the Liquid subject and body, records the hand-over and the outcome, and records
 * an "Email Delivered" event for each customer.
 */
async function benchDelivery(services: Services, databaseUrl: string) {
  const emails = quick ? 3_000 : 10_000;
  const sink = await startBenchSink();
  const pool = { connections: 10, messages: 100 };
  const content = {
    subject: 'Your cart, {{ profile.firstName }}',
    html: '<p>Hello {{ profile.firstName }},</p><p>you left <a href="https://shop.example.com/cart">something behind</a>.</p>',
  };
  try {
    // Baseline: nodemailer's pooled transport, every message handed to it at once — the same
    // messages as the outbox sends (rendered, tracked links, text part, unsubscribe headers), made beforehand.
    const nodemailer = (await import('nodemailer')).default;
    const transport = nodemailer.createTransport({
      url: sink.url,
      pool: true,
      maxConnections: pool.connections,
      maxMessages: pool.messages,
    } as never);
    const rendered = await renderEmail(content, { profile: { firstName: 'Ada' }, event: {}, vars: {} });
    const prepared = Array.from({ length: emails }, (_, i) => {
      const email = {
        messageId: randomUUID(),
        idempotencyKey: `baseline-${i}`,
        from: 'Shop <shop@example.com>',
        to: `bench-${i}@example.com`,
        ...rendered,
        marketing: true,
      };
      const { html, unsubscribeUrl } = addTracking(email, 'http://localhost:3000', 'bench-secret');
      return {
        from: email.from,
        to: email.to,
        subject: email.subject,
        html,
        text: `${email.text}\n\n--\nUnsubscribe: ${unsubscribeUrl}`,
        messageId: `<${email.idempotencyKey}@waymark>`,
        headers: {
          'X-Waymark-Idempotency-Key': email.idempotencyKey,
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      };
    });
    const baselineStart = performance.now();
    await Promise.all(prepared.map((message) => transport.sendMail(message)));
    const baseline = emails / ((performance.now() - baselineStart) / 1000);
    transport.close();

    progress(`delivery: ${emails} emails through the outbox to a local SMTP server…`);
    await sql`INSERT INTO profiles (workspace_id, user_id, traits) SELECT ${services.defaultWorkspaceId}, 'mail-' || n, jsonb_build_object('email', 'mail-' || n || '@example.com', 'firstName', 'Ada') FROM generate_series(1, ${emails}) n`.execute(
      services.db,
    );
    await settle(services);
    const before = sink.received();
    await sql`INSERT INTO messages (workspace_id, profile_id, channel, recipient, content, idempotency_key)
      SELECT workspace_id, id, 'email', traits ->> 'email', ${JSON.stringify(content)}::jsonb, 'bench-mail-' || user_id FROM profiles WHERE user_id LIKE 'mail-%'`.execute(
      services.db,
    );
    const delivery = {
      publicUrl: 'http://localhost:3000',
      smtpUrl: sink.url,
      from: 'Shop <shop@example.com>',
      smtpPool: pool,
    };
    const start = performance.now();
    const worker = await startWorker(
      { ...(await workerServices(services, databaseUrl)), delivery },
      databaseUrl,
      { loops: 1, batchSize, pollMilliseconds: 50, log: progress },
    );
    while (sink.received() - before < emails) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - start) / 1000;
    await worker.stop();
    const sent = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM messages WHERE status = 'sent' AND idempotency_key LIKE 'bench-mail-%'`.execute(
      services.db,
    );
    progress(`delivery: ${sent.rows[0].n} recorded as sent`);
    record({
      name: 'delivery.emails_per_second',
      value: round(emails / seconds),
      unit: 'emails/s',
      baseline: round(baseline),
      ratio: round(emails / seconds / baseline, 2),
      goal: '≥ 1,000 emails/s and ratio ≥ 0.8 to nodemailer pooled sendMail to the same server',
    });
  } finally {
    sink.stop();
  }
}

async function main() {
  configureEncryption(randomUUID() + randomUUID());
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-'));
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'pgdata'),
    preferredPort: 56_430,
  });
  try {
    const databaseUrl = await ensureDatabase(postgres.url, 'bench');
    const { db } = createDatabase(databaseUrl, 20);
    await migrateToLatest(db);
    const boss: PgBoss = await startJobQueue(databaseUrl, { supervise: false });
    const services: Services = {
      db,
      boss,
      registry: createNodeRegistry(),
      defaultWorkspaceId: await ensureDefaultWorkspace(db),
    };
    const http = await startHttpServer(services, { port: 0, host: '127.0.0.1' });
    try {
      if (runs('ingest')) {
        // First, on a fresh database — but not while the disk still writes out what came before
        // (the client build `npm run bench` starts with, the new cluster): ingest commits wait on
        // the disk, and read 10-13 % lower straight after the build.
        execFileSync('sync');
        await sql`CHECKPOINT`.execute(db);
        await benchIngest(services, http.url);
      }
      if (runs('engine')) await settle(services).then(() => benchEngine(services, databaseUrl));
      if (runs('latency')) await settle(services).then(() => benchLatency(services, http.url, databaseUrl));
      if (runs('delivery')) await settle(services).then(() => benchDelivery(services, databaseUrl));
      if (runs('templates')) await benchHostileTemplates(http.url);
      // Before the bulk parts below (stats seeding, migration, parked runs), which leave the database busy vacuuming.
      if (!runs('canvas')) {
        /* skipped */
      } else if (existsSync(path.resolve('dist/client/index.html')))
        await benchCanvas(services, http.url).catch((error) =>
          progress(`canvas: skipped (${(error as Error).message})`),
        );
      else progress('canvas: skipped — build the client first (npm run build)');
      if (runs('stats')) await benchStats(services);
      if (runs('migration')) await benchMigration(services, http.url);
      if (runs('parked')) {
        const parkedJourney = await benchParked(services, databaseUrl);
        await sql`DELETE FROM runs WHERE journey_id = ${parkedJourney}`.execute(db);
      }
      const size = await sql<{
        size: string;
      }>`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`.execute(db);
      progress(`database size after the run: ${size.rows[0].size}`);
    } finally {
      await http.close();
      await boss.stop({ graceful: false, wait: true });
      await db.destroy();
      for (const pool of workerPools) await pool.destroy();
    }
  } finally {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  clearInterval(rssSampler);
  record({
    name: 'memory.peak_rss',
    value: round(peakRss / 1024 / 1024),
    unit: 'MiB',
    baseline: null,
    ratio: null,
    goal: 'server and worker, during ingest, engine and latency runs',
  });

  const machine = `${os.cpus().length} cores, ${round(os.totalmem() / 1024 ** 3)} GiB, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, embedded PostgreSQL 18`;
  writeFileSync(
    path.resolve('bench/results.json'),
    JSON.stringify({ machine, at: new Date().toISOString(), quick, figures }, null, 2),
  );
  console.log(`\nWaymark benchmark — ${machine}${quick ? ' (quick)' : ''}\n`);
  console.log('| figure | value | baseline | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const figure of figures) {
    console.log(
      `| ${figure.name} | ${figure.value} ${figure.unit} | ${figure.baseline ?? ''} | ${figure.ratio ?? ''} | ${figure.goal} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error('[bench] failed:', error);
    process.exit(0); // a benchmark never fails CI
  },
);
