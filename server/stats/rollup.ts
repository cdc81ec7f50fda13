// The stats rollup: counts per version × node × port × hour, added to in the same transaction as
// the steps they count, so stats stay exact and fast without scanning the step log.
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB, NewStep } from '../db/schema';

const shards = 8;

export interface LeftStepForStats {
  version_id: string;
  node_id: string;
  port: string | null;
  outcome: 'passed' | 'exited' | 'failed';
  left_at: string;
}

interface Counts {
  entered: number;
  passed: number;
  exited: number;
  failed: number;
}

const isoInstant = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function hourOf(time: string | Date): string {
  // Steps carry their times as ISO strings in UTC: the hour is a prefix of the text.
  if (typeof time === 'string' && isoInstant.test(time)) return `${time.slice(0, 13)}:00:00.000Z`;
  const date = new Date(time);
  date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

/**
 * Adds a transaction's new and finished steps, and the conversions of runs that reached their goal,
 * to the rollup in ONE statement: its rows are locked in key order, so two transactions that count
 * into the same rows wait for each other instead of deadlocking.
 *
 * A converted run counts a conversion for every node it passed (on the port it took), so each
 * node, branch and variant shows the conversions that followed it, and for the first and the last
 * touchpoint on its path (the pseudo-ports "#first-touch" and "#last-touch"). Steps it has closed
 * count here; the step it is still in counts when it closes (`credits`, from the engine). Call
 * after the runs' steps are written.
 */
export async function recordStats(trx: Transaction<DB>, input: StatsInput): Promise<void> {
  await rollupStatement(input)?.execute(trx);
}

/** One conversion added to (or, for a last touch that moved on, taken from) a node's port. */
export interface ConversionCredit {
  version_id: string;
  node_id: string;
  port: string;
  delta: number;
}

export interface StatsInput {
  newSteps?: readonly NewStep[];
  leftSteps?: readonly LeftStepForStats[];
  /** Runs converted now: every step they have closed (up to `upToSeq`) is credited. */
  conversions?: ReadonlyArray<{ runId: string; upToSeq?: number }>;
  /** Conversions credited on single steps, as converted runs close them. */
  credits?: readonly ConversionCredit[];
  now: Date;
}

/** The one statement `recordStats` runs (null when there is nothing to count). */
export function rollupStatement(input: StatsInput): RawBuilder<unknown> | null {
  const counts = new Map<
    string,
    { version_id: string; node_id: string; port: string; hour: string } & Counts
  >();
  const bump = (version: string, node: string, port: string, time: string | Date, field: keyof Counts) => {
    const hour = hourOf(time);
    const key = `${version}\u0000${node}\u0000${port}\u0000${hour}`;
    let row = counts.get(key);
    if (!row)
      counts.set(
        key,
        (row = {
          version_id: version,
          node_id: node,
          port,
          hour,
          entered: 0,
          passed: 0,
          exited: 0,
          failed: 0,
        }),
      );
    row[field] += 1;
  };
  for (const step of input.newSteps ?? []) {
    bump(step.version_id, step.node_id, '', step.entered_at as string, 'entered');
    if (step.left_at && step.outcome && step.outcome !== 'waiting')
      bump(step.version_id, step.node_id, step.port ?? '', step.left_at as string, step.outcome);
  }
  for (const step of input.leftSteps ?? [])
    bump(step.version_id, step.node_id, step.port ?? '', step.left_at, step.outcome);
  const conversions = input.conversions ?? [];
  const credits = new Map<string, ConversionCredit>();
  for (const credit of input.credits ?? []) {
    const key = `${credit.version_id}\u0000${credit.node_id}\u0000${credit.port}`;
    const sum = credits.get(key);
    if (sum) sum.delta += credit.delta;
    else credits.set(key, { ...credit });
  }
  if (counts.size === 0 && conversions.length === 0 && credits.size === 0) return null;
  const shard = Math.floor(Math.random() * shards);
  // A converted run's path is read run by run through the step key: the subquery is kept apart
  // (OFFSET 0) so the planner cannot turn it into one join over the whole step log, which it
  // did whenever its statistics of the steps were older than the log (a scan of every step ever
  // written, for every batch with a conversion).
  return sql`
    WITH counted AS (
      SELECT x.version_id, x.node_id, x.port, x.hour, x.entered, x.passed, x.exited, x.failed, 0::bigint AS converted
      FROM jsonb_to_recordset(${JSON.stringify([...counts.values()])}::jsonb)
        AS x(version_id uuid, node_id text, port text, hour timestamptz, entered bigint, passed bigint, exited bigint, failed bigint)
      UNION ALL
      SELECT x.version_id, x.node_id, x.port, ${hourOf(input.now)}::timestamptz, 0, 0, 0, 0, x.delta
      FROM jsonb_to_recordset(${JSON.stringify([...credits.values()])}::jsonb) AS x(version_id uuid, node_id text, port text, delta bigint)
    ), path AS (
      SELECT s.run_id, s.version_id, s.node_id, coalesce(s.port, '') AS port, s.seq
      FROM unnest(${conversions.map((c) => c.runId)}::uuid[], ${conversions.map((c) => c.upToSeq ?? 2147483647)}::int[]) AS c(run_id, up_to)
      CROSS JOIN LATERAL (
        SELECT steps.run_id, steps.version_id, steps.node_id, steps.port, steps.seq FROM steps
        WHERE steps.run_id = c.run_id AND steps.seq <= c.up_to AND steps.left_at IS NOT NULL OFFSET 0
      ) s
    ), touchpoints AS (
      -- each version's graph read once, not once per step on the path
      SELECT v.id AS version_id, node ->> 'id' AS node_id
      FROM journey_versions v CROSS JOIN LATERAL jsonb_array_elements(v.graph -> 'nodes') AS node
      WHERE v.id IN (SELECT DISTINCT version_id FROM path) AND node ->> 'type' LIKE 'touchpoint.%'
    ), touches AS (
      SELECT path.run_id, path.version_id, path.node_id, path.seq, row_number() OVER (PARTITION BY path.run_id ORDER BY path.seq) AS from_start,
             row_number() OVER (PARTITION BY path.run_id ORDER BY path.seq DESC) AS from_end
      FROM path JOIN touchpoints t ON t.version_id = path.version_id AND t.node_id = path.node_id
    ), rows AS (
      SELECT version_id, node_id, port, hour, entered, passed, exited, failed, converted FROM counted
      UNION ALL SELECT version_id, node_id, port, ${hourOf(input.now)}::timestamptz, 0, 0, 0, 0, 1 FROM path
      UNION ALL SELECT version_id, node_id, '#first-touch', ${hourOf(input.now)}::timestamptz, 0, 0, 0, 0, 1 FROM touches WHERE from_start = 1
      UNION ALL SELECT version_id, node_id, '#last-touch', ${hourOf(input.now)}::timestamptz, 0, 0, 0, 0, 1 FROM touches WHERE from_end = 1
    )
    INSERT INTO node_stats AS s (version_id, node_id, port, hour, shard, entered, passed, exited, failed, converted)
    SELECT version_id, node_id, port, hour, ${shard}, sum(entered), sum(passed), sum(exited), sum(failed), sum(converted)
    FROM rows GROUP BY version_id, node_id, port, hour ORDER BY version_id, node_id, port, hour
    ON CONFLICT (version_id, node_id, port, hour, shard) DO UPDATE SET
      entered = s.entered + excluded.entered, passed = s.passed + excluded.passed,
      exited = s.exited + excluded.exited, failed = s.failed + excluded.failed,
      converted = s.converted + excluded.converted`;
}
