// The database layer: repeated statements are prepared once per connection, and stay correct
// when their IN lists change length, when a transaction fails, and when a table changes under them;
// the job queue fetches a batch without reading its whole backlog.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '../../server/db/database';
import { socketDirectory, startEmbeddedPostgres } from '../../server/db/embedded-postgres';
import { startJobQueue } from '../../server/queue/job-queue';
import { claimPlanSetting, claimStatement } from '../../server/channels/delivery';
import { nodeCustomersQuery } from '../../server/stats/journey-stats';
import { rollupStatement } from '../../server/stats/rollup';
import { goalLookBackStatement, waitLookBackQuery } from '../../server/engine/step-batch';
import { ensureDefaultWorkspace } from '../../server/workspaces/default-workspace';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 1 });
});
afterAll(async () => {
  await database.drop();
});

describe('prepared statements', () => {
  it('prepares a statement sent again, and answers it the same', async () => {
    const { db } = database;
    await sql`CREATE TABLE plan_probe (id int PRIMARY KEY, label text)`.execute(db);
    await sql`INSERT INTO plan_probe SELECT n, 'row ' || n FROM generate_series(1, 50) n`.execute(db);
    const answers: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const rows = await db
        .selectFrom('plan_probe' as never)
        .select('label' as never)
        .where('id' as never, '=', (10 + i) as never)
        .execute();
      answers.push(rows.map((row) => (row as { label: string }).label));
    }
    expect(answers).toEqual([['row 10'], ['row 11'], ['row 12'], ['row 13']]);
    const prepared = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(
      db,
    );
    expect(
      prepared.rows.some(
        (row) => row.statement.includes('plan_probe') && row.statement.includes('"id" = $1'),
      ),
    ).toBe(true);
  });

  it('gives IN lists of every length their own statement', async () => {
    const { db } = database;
    for (const size of [1, 3, 1, 7, 3, 20, 7]) {
      const ids = Array.from({ length: size }, (_, i) => i + 1);
      const rows = await db
        .selectFrom('plan_probe' as never)
        .select('id' as never)
        .where('id' as never, 'in', ids as never)
        .orderBy('id' as never)
        .execute();
      expect(rows.map((row) => (row as { id: number }).id)).toEqual(ids);
    }
  });

  it('works after a failed transaction, and after the table it reads changes', async () => {
    const { db } = database;
    const read = () =>
      db
        .selectFrom('plan_probe' as never)
        .selectAll()
        .where('id' as never, '=', 5 as never)
        .executeTakeFirst();
    await read();
    await read();
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`INSERT INTO plan_probe VALUES (${5}, ${'duplicate'})`.execute(trx);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await read()).toEqual({ id: 5, label: 'row 5' });
    await sql`ALTER TABLE plan_probe ALTER COLUMN label SET DEFAULT 'none'`.execute(db);
    await sql`CREATE INDEX plan_probe_label ON plan_probe (label)`.execute(db);
    expect(await read()).toEqual({ id: 5, label: 'row 5' });
    // A newer release adds a column while this process runs: reading every column still works.
    await sql`ALTER TABLE plan_probe ADD COLUMN added int NOT NULL DEFAULT 1`.execute(db);
    expect(await read()).toEqual({ id: 5, label: 'row 5', added: 1 });
  });

  it('prepares nothing when turned off (for a pooler in transaction mode)', async () => {
    const { db } = createDatabase(database.url, 1, { preparedStatements: false });
    try {
      for (let i = 0; i < 4; i++)
        await db
          .selectFrom('plan_probe' as never)
          .select('label' as never)
          .where('id' as never, '=', i as never)
          .execute();
      const prepared = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(db);
      expect(prepared.rows[0].n).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
};
/** Every scan of a table in an EXPLAIN (ANALYZE, FORMAT JSON) plan. */
function tableScans(root: PlanNode): PlanNode[] {
  const scans: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    if (/Scan$/.test(node['Node Type']) && node['Relation Name']) scans.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(root);
  return scans;
}

/** The table scans of a statement's plan as run (in a transaction rolled back after), of `relation` or of every table. */
async function planScans(
  text: string,
  values: readonly unknown[],
  options: { relation?: string; setting?: string } = {},
): Promise<PlanNode[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    if (options.setting) await client.query(options.setting);
    const plan = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values as unknown[]);
    return tableScans(plan.rows[0]['QUERY PLAN'][0].Plan).filter(
      (scan) => !options.relation || scan['Relation Name'] === options.relation,
    );
  } finally {
    await client.query('ROLLBACK');
    await client.end();
  }
}

/** The plan reads by index, and no scan reads more than `rows` rows. */
function expectIndexedRead(scans: PlanNode[], rows: number): void {
  expect(scans.length).toBeGreaterThan(0);
  expect(scans.map((scan) => scan['Node Type'])).not.toContain('Seq Scan');
  expect(Math.max(...scans.map((scan) => scan['Actual Rows'] * scan['Actual Loops']))).toBeLessThanOrEqual(
    rows,
  );
}

describe('job queue', () => {
  it('fetches the next batch by index, not by sorting the whole backlog', async () => {
    const boss = await startJobQueue(database.url, { supervise: false });
    try {
      const queue = 'backlog-probe';
      await boss.createQueue(queue);
      for (let start = 0; start < 30_000; start += 5000) {
        await boss.insert(
          Array.from({ length: 5000 }, (_, i) => ({
            name: queue,
            data: { runId: randomUUID(), seq: start + i },
          })),
        );
      }
      await sql`ANALYZE pgboss.job`.execute(database.db);
      // The statement pg-boss sends for a fetch of 100, captured instead of run.
      let fetch: { text: string; values: unknown[] } | null = null;
      await boss.fetch(queue, {
        batchSize: 100,
        db: {
          executeSql: async (text: string, values: unknown[]) => {
            fetch = { text, values };
            return { rows: [] };
          },
        },
      } as never);
      expect(fetch).not.toBeNull();
      const { text, values } = fetch as unknown as { text: string; values: unknown[] };
      // Rows each scan of the job table read to find the batch: about the batch, not the backlog.
      expectIndexedRead(await planScans(text, values), 100);
      // A second start (another process) finds the index in place.
      const again = await startJobQueue(database.url, { supervise: false });
      await again.stop({ graceful: false, wait: true });
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });
});

describe('embedded PostgreSQL', () => {
  const clientAddress = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (
        await client.query<{ addr: string | null }>(
          'SELECT client_addr::text AS addr FROM pg_stat_activity WHERE pid = pg_backend_pid()',
        )
      ).rows[0].addr;
    } finally {
      await client.end();
    }
  };

  it('is reached over its Unix socket (a local TCP round trip costs CPU the server and database share)', async () => {
    // The test run's own server is the embedded one unless DATABASE_URL points elsewhere.
    const url = process.env.DATABASE_URL ? null : inject('databaseServerUrl');
    if (url) {
      expect(await clientAddress(url)).toBeNull();
      expect(new URL(url).searchParams.get('host')).toBe(
        socketDirectory(path.resolve('.waymark/test-pgdata'), Number(new URL(url).port)),
      );
    }
  });

  it('keeps the socket when the data folder path is too long for a socket address (a deep checkout)', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'waymark-long-'));
    const dataDir = path.join(
      parent,
      'a-data-folder-whose-path-is-longer-than-a-unix-socket-address-may-be-0123456789',
    );
    const postgres = await startEmbeddedPostgres({ dataDir, fast: true, preferredPort: 55_930 });
    try {
      const host = new URL(postgres.url).searchParams.get('host');
      expect(host).not.toBeNull();
      expect(host!.startsWith(dataDir)).toBe(false);
      expect(await clientAddress(postgres.url)).toBeNull();
    } finally {
      await postgres.stop();
      rmSync(parent, { recursive: true, force: true });
    }
  }, 60_000);

  it('falls back to TCP when no folder short enough for a socket address exists', () => {
    const deep = path.join('/', 'x'.repeat(120), 'data');
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = path.join('/', 'y'.repeat(120));
    try {
      expect(socketDirectory(deep, 5432)).toBeNull();
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });
});

describe('outbox', () => {
  it('claims the next due messages by index, not by sorting every queued message', async () => {
    const { db } = database;
    const workspaceId = await ensureDefaultWorkspace(db);
    // Statistics as a new install has them during its first campaign: taken while the outbox was empty.
    await sql`VACUUM ANALYZE messages`.execute(db);
    for (let start = 0; start < 20_000; start += 5000) {
      await sql`INSERT INTO messages (workspace_id, channel, recipient, content, idempotency_key, created_at)
        SELECT ${workspaceId}, 'email', 'c' || n || '@example.com', '{}'::jsonb, 'outbox-probe-' || n, now() - make_interval(secs => n)
        FROM generate_series(${start + 1}::int, ${start + 5000}::int) n`.execute(db);
    }
    // Among the oldest: some leased by a live worker, some by one that died an hour ago, some not due until tomorrow.
    const n = sql`substring(idempotency_key from 14)::int`;
    await sql`UPDATE messages SET status = 'sending', claimed_at = now(), lease_until = now() + interval '2 minutes' WHERE ${n} BETWEEN 19980 AND 19989`.execute(
      db,
    );
    await sql`UPDATE messages SET status = 'sending', claimed_at = now() - interval '1 hour', lease_until = now() - interval '58 minutes' WHERE ${n} BETWEEN 19990 AND 19999`.execute(
      db,
    );
    await sql`UPDATE messages SET send_after = now() + interval '1 day' WHERE ${n} BETWEEN 19900 AND 19979`.execute(
      db,
    );
    const { sql: text, parameters } = claimStatement(50, 120).compile(db);
    expectIndexedRead(
      await planScans(text, parameters, { relation: 'messages', setting: claimPlanSetting }),
      200,
    );
    // What it claims, oldest due first: the dead worker's claims and the oldest queued — never a live claim or one not due.
    const claimed = (await claimStatement(50, 120).execute(db)).rows
      .map((row) => Number(row.idempotency_key.slice(13)))
      .sort((x, y) => y - x);
    expect(claimed).toEqual([
      20000,
      ...Array.from({ length: 10 }, (_, i) => 19999 - i),
      ...Array.from({ length: 39 }, (_, i) => 19899 - i),
    ]);
  });
});

describe('node drill-down', () => {
  it("lists a node's newest customers over all versions from an index, not the whole step log", async () => {
    const { db } = database;
    const workspaceId = await ensureDefaultWorkspace(db);
    const [journeyA, journeyB, version1, version2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await sql`INSERT INTO profiles (workspace_id, user_id) SELECT ${workspaceId}, 'drill-' || n FROM generate_series(1, 2000) n`.execute(
      db,
    );
    // Every profile went through both journeys once; journey A had two versions.
    await sql`INSERT INTO runs (workspace_id, journey_id, version_id, profile_id, current_node, context, status, entered_at)
      SELECT ${workspaceId}, j.id, CASE WHEN j.id = ${journeyA}::uuid AND p.user_id > 'drill-5' THEN ${version2}::uuid ELSE ${version1}::uuid END, p.id, 'n9', '{}'::jsonb, 'completed', now() - interval '1 day'
      FROM profiles p CROSS JOIN (VALUES (${journeyA}::uuid), (${journeyB}::uuid)) AS j(id) WHERE p.user_id LIKE 'drill-%'`.execute(
      db,
    );
    await sql`INSERT INTO steps (run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, left_at, port, outcome)
      SELECT r.id, s, r.workspace_id, r.journey_id, r.version_id, 'n' || s, r.entered_at + make_interval(secs => s * 60 + (random() * 50)::int), r.entered_at + make_interval(secs => s * 60 + 55), 'out', 'passed'
      FROM runs r CROSS JOIN generate_series(1, 10) s WHERE r.journey_id IN (${journeyA}::uuid, ${journeyB}::uuid)`.execute(
      db,
    );
    await sql`ANALYZE profiles, runs, steps`.execute(db);

    for (const versionId of [undefined, version2]) {
      const { sql: text, parameters } = nodeCustomersQuery(db, workspaceId, journeyA, {
        nodeId: 'n3',
        versionId,
        limit: 50,
        offset: 0,
      }).compile();
      // 40,000 step rows: the list reads about the page it shows (more with a version to skip past).
      expectIndexedRead(await planScans(text, parameters, { relation: 'steps' }), versionId ? 1000 : 100);
    }
    const page = await nodeCustomersQuery(db, workspaceId, journeyA, {
      nodeId: 'n3',
      limit: 50,
      offset: 0,
    }).execute();
    expect(page).toHaveLength(51);
    expect(page.map((row) => row.entered_at.getTime())).toEqual(
      page.map((row) => row.entered_at.getTime()).sort((a, b) => b - a),
    );
  });
});

describe('stats rollup', () => {
  it("reads a converted run's path by its key, even when the statistics predate most of the step log", async () => {
    const { db } = database;
    const workspaceId = await ensureDefaultWorkspace(db);
    const nodes = Array.from({ length: 10 }, (_, i) => ({
      id: `c${i + 1}`,
      type: i === 4 ? 'touchpoint.email' : 'wait.delay',
      position: { x: 0, y: i * 100 },
      config: {},
    }));
    const journey = await db
      .insertInto('journeys')
      .values({
        workspace_id: workspaceId,
        name: 'Rollup probe',
        draft: JSON.stringify({ nodes, edges: [] }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const version = await db
      .insertInto('journey_versions')
      .values({
        journey_id: journey.id,
        workspace_id: workspaceId,
        version: 1,
        graph: JSON.stringify({ nodes, edges: [] }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`INSERT INTO profiles (workspace_id, user_id) SELECT ${workspaceId}, 'rollup-' || n FROM generate_series(1, 4000) n`.execute(
      db,
    );
    await sql`INSERT INTO runs (workspace_id, journey_id, version_id, profile_id, current_node, context, status)
      SELECT ${workspaceId}, ${journey.id}, ${version.id}, p.id, 'c10', '{}'::jsonb, 'completed' FROM profiles p WHERE p.user_id LIKE 'rollup-%'`.execute(
      db,
    );
    const earlyRuns = (
      await db.selectFrom('runs').select('id').where('journey_id', '=', journey.id).limit(10).execute()
    ).map((run) => run.id);
    const addSteps = (early: boolean) =>
      sql`INSERT INTO steps (run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, left_at, port, outcome)
      SELECT r.id, s, r.workspace_id, r.journey_id, r.version_id, 'c' || s, now(), now(), 'out', 'passed'
      FROM runs r CROSS JOIN generate_series(1, 10) s WHERE r.journey_id = ${journey.id} AND (r.id = ANY(${earlyRuns}::uuid[])) = ${early}`.execute(
        db,
      );
    // The statistics were taken when the log held 10 runs; 40,000 steps came after.
    await sql`ALTER TABLE steps SET (autovacuum_enabled = false)`.execute(db);
    try {
      await addSteps(true);
      await sql`ANALYZE steps`.execute(db);
      await addSteps(false);
      const converted = await db
        .selectFrom('runs')
        .select('id')
        .where('journey_id', '=', journey.id)
        .orderBy('id')
        .limit(100)
        .execute();
      const statement = rollupStatement({
        now: new Date(),
        conversions: converted.map((run) => ({ runId: run.id, upToSeq: 7 })),
      })!;
      const { sql: text, parameters } = statement.compile(db);
      // 100 conversions of 7 steps each: the plan reads those 700 rows, not the 40,000.
      expectIndexedRead(await planScans(text, parameters, { relation: 'steps' }), 700);
      await statement.execute(db);
      const stats = await sql<{
        port: string;
        converted: number;
      }>`SELECT port, sum(converted)::int AS converted FROM node_stats WHERE version_id = ${version.id} AND node_id = 'c5' GROUP BY port ORDER BY port`.execute(
        db,
      );
      expect(stats.rows).toEqual([
        { port: '#first-touch', converted: 100 },
        { port: '#last-touch', converted: 100 },
        { port: 'out', converted: 100 },
      ]);
      const beyond = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM node_stats WHERE version_id = ${version.id} AND node_id = 'c8'`.execute(
        db,
      );
      expect(beyond.rows[0].n).toBe(0);
    } finally {
      await sql`ALTER TABLE steps RESET (autovacuum_enabled)`.execute(db);
    }
  });
});

describe('look-back into the event log', () => {
  it("reads a waiting customer's events by the (profile, name, occurred_at) index, whatever else the log holds", async () => {
    const { db } = database;
    const workspaceId = await ensureDefaultWorkspace(db);
    await sql`INSERT INTO profiles (workspace_id, user_id) SELECT ${workspaceId}, 'look-' || n FROM generate_series(1, 2000) n`.execute(
      db,
    );
    // 60,000 events: 2,000 customers × 30, the busiest with 5,000 page views and a few orders.
    await sql`INSERT INTO events (workspace_id, profile_id, type, name, properties, context, message_id, occurred_at, received_at)
      SELECT ${workspaceId}, p.id, 'track', CASE WHEN n % 3 = 0 THEN 'Order Completed' ELSE 'Page Viewed' END, '{}', '{}', 'look-' || p.user_id || '-' || n,
        now() - make_interval(secs => n * 60), now()
      FROM profiles p CROSS JOIN generate_series(1, 30) n WHERE p.user_id LIKE 'look-%'`.execute(db);
    const busy = await db
      .selectFrom('profiles')
      .select('id')
      .where('user_id', '=', 'look-1')
      .executeTakeFirstOrThrow();
    await sql`INSERT INTO events (workspace_id, profile_id, type, name, properties, context, message_id, occurred_at, received_at)
      SELECT ${workspaceId}, ${busy.id}, 'track', 'Page Viewed', '{}', '{}', 'look-busy-' || n, now() - make_interval(secs => n), now()
      FROM generate_series(1, 5000) n`.execute(db);
    await sql`ANALYZE profiles, events`.execute(db);

    const since = new Date(Date.now() - 3 * 3_600_000);
    const until = new Date(Date.now() + 3_600_000);
    for (const event of ['Order Completed', 'Page Viewed']) {
      const { sql: text, parameters } = waitLookBackQuery(db, {
        profileId: busy.id,
        event,
        since,
        until,
      }).compile();
      // At most the look-back's limit of rows (and the one past it that ends the read), from the index.
      expectIndexedRead(await planScans(text, parameters, { relation: 'events' }), 101);
    }
    const profiles = await db
      .selectFrom('profiles')
      .select('id')
      .where('user_id', 'like', 'look-%')
      .limit(100)
      .execute();
    const { sql: text, parameters } = goalLookBackStatement(
      profiles.map((profile) => ({
        runId: randomUUID(),
        profileId: profile.id,
        event: 'Order Completed',
        since,
        until,
      })),
    ).compile(db);
    // 100 runs' goal look-backs in one statement: one index probe each, about a hundred rows each at most.
    expectIndexedRead(await planScans(text, parameters, { relation: 'events' }), 100 * 101);
  });
});
