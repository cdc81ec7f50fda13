// The stats rollup: counts per version × node × port × hour, added to in the same transaction as
// the steps they count, so stats stay exact and fast without scanning the step log.
import { sql, type Transaction } from 'kysely';
import type { DB, NewStep } from '../db/schema';

const shards = 8;

export interface LeftStepForStats {
  version_id: string;
  node_id: string;
  port: string | null;
  outcome: 'passed' | 'exited' | 'failed';
  left_at: string;
}

interface Counts { entered: number; passed: number; exited: number; failed: number }

function hourOf(time: string | Date): string {
  const date = new Date(time);
  date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

/** Adds the batch's new and finished steps to the rollup in one statement. */
export async function addStepsToRollup(trx: Transaction<DB>, newSteps: readonly NewStep[], leftSteps: readonly LeftStepForStats[]): Promise<void> {
  const counts = new Map<string, { version_id: string; node_id: string; port: string; hour: string } & Counts>();
  const bump = (version: string, node: string, port: string, time: string | Date, field: keyof Counts) => {
    const hour = hourOf(time);
    const key = `${version}\u0000${node}\u0000${port}\u0000${hour}`;
    let row = counts.get(key);
    if (!row) counts.set(key, row = { version_id: version, node_id: node, port, hour, entered: 0, passed: 0, exited: 0, failed: 0 });
    row[field] += 1;
  };
  for (const step of newSteps) {
    bump(step.version_id, step.node_id, '', step.entered_at as string, 'entered');
    if (step.left_at && step.outcome && step.outcome !== 'waiting') bump(step.version_id, step.node_id, step.port ?? '', step.left_at as string, step.outcome);
  }
  for (const step of leftSteps) bump(step.version_id, step.node_id, step.port ?? '', step.left_at, step.outcome);
  if (counts.size === 0) return;
  const shard = Math.floor(Math.random() * shards);
  await sql`
    INSERT INTO node_stats AS s (version_id, node_id, port, hour, shard, entered, passed, exited, failed)
    SELECT x.version_id, x.node_id, x.port, x.hour, ${shard}, x.entered, x.passed, x.exited, x.failed
    FROM jsonb_to_recordset(${JSON.stringify([...counts.values()].sort((a, b) => (a.version_id + a.node_id + a.port + a.hour).localeCompare(b.version_id + b.node_id + b.port + b.hour)))}::jsonb)
      AS x(version_id uuid, node_id text, port text, hour timestamptz, entered bigint, passed bigint, exited bigint, failed bigint)
    ON CONFLICT (version_id, node_id, port, hour, shard) DO UPDATE SET
      entered = s.entered + excluded.entered, passed = s.passed + excluded.passed,
      exited = s.exited + excluded.exited, failed = s.failed + excluded.failed`.execute(trx);
}

/**
 * A run converted: the conversion counts for every node it passed (on the port it took), so each
 * node, branch and variant shows the conversions that followed it. Call after the run's steps are written.
 */
export async function attributeConversions(trx: Transaction<DB>, conversions: ReadonlyArray<{ runId: string; upToSeq?: number }>, now: Date): Promise<void> {
  if (conversions.length === 0) return;
  // One statement: the runs' paths, the conversion on every node and port they passed, and the
  // first and the last touchpoint of each path (kept under the pseudo-ports "#first-touch" and
  // "#last-touch"). A version's touchpoints are read from its graph once, not once per step.
  await sql`
    WITH path AS (
      SELECT steps.run_id, steps.version_id, steps.node_id, coalesce(steps.port, '') AS port, steps.seq
      FROM steps JOIN jsonb_to_recordset(${JSON.stringify(conversions.map((c) => ({ run_id: c.runId, up_to: c.upToSeq ?? 2147483647 })))}::jsonb) AS c(run_id uuid, up_to int)
        ON steps.run_id = c.run_id AND steps.seq <= c.up_to
    ), touchpoints AS (
      SELECT v.id AS version_id, node ->> 'id' AS node_id
      FROM journey_versions v CROSS JOIN LATERAL jsonb_array_elements(v.graph -> 'nodes') AS node
      WHERE v.id IN (SELECT DISTINCT version_id FROM path) AND node ->> 'type' LIKE 'touchpoint.%'
    ), touches AS (
      SELECT path.*, row_number() OVER (PARTITION BY path.run_id ORDER BY path.seq) AS from_start,
             row_number() OVER (PARTITION BY path.run_id ORDER BY path.seq DESC) AS from_end
      FROM path JOIN touchpoints t ON t.version_id = path.version_id AND t.node_id = path.node_id
    )
    INSERT INTO node_stats AS s (version_id, node_id, port, hour, shard, converted)
    SELECT version_id, node_id, port, ${hourOf(now)}::timestamptz, ${Math.floor(Math.random() * shards)}, count(*) FROM (
      SELECT version_id, node_id, port FROM path
      UNION ALL SELECT version_id, node_id, '#first-touch' FROM touches WHERE from_start = 1
      UNION ALL SELECT version_id, node_id, '#last-touch' FROM touches WHERE from_end = 1
    ) AS attributed
    GROUP BY version_id, node_id, port ORDER BY version_id, node_id, port
    ON CONFLICT (version_id, node_id, port, hour, shard) DO UPDATE SET converted = s.converted + excluded.converted`.execute(trx);
}
