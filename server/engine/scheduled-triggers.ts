// Triggers that fire from a schedule rather than an event: recurring dates (birthdays,
// anniversaries) in each customer's timezone, inactivity, and thresholds over a time window.
// Each firing is recorded per profile and period, so running the schedule twice fires nothing twice.
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import type { Database } from '../db/database';
import type { DB } from '../db/schema';
import { enterJourneyMany } from './enter-journey';
import { recomputeStaleHealthScores } from '../profiles/health-score';

interface TriggerRow {
  workspace_id: string;
  journey_id: string;
  node_id: string;
  kind: string;
  config: Record<string, unknown>;
}

export interface ScheduleOutcome {
  fired: number;
}

/** Records firings; returns the profiles that had not fired for this period yet. */
async function claimFirings(
  trx: Transaction<DB>,
  trigger: TriggerRow,
  candidates: Array<{ profile_id: string; period: string }>,
): Promise<string[]> {
  if (candidates.length === 0) return [];
  const claimed = await sql<{ profile_id: string }>`
    INSERT INTO trigger_firings (journey_id, node_id, profile_id, period)
    SELECT ${trigger.journey_id}, ${trigger.node_id}, x.profile_id, x.period
    FROM jsonb_to_recordset(${JSON.stringify(candidates)}::jsonb) AS x(profile_id uuid, period text)
    ON CONFLICT DO NOTHING
    RETURNING profile_id`.execute(trx);
  return claimed.rows.map((row) => row.profile_id);
}

async function recurringCandidates(trx: Transaction<DB>, trigger: TriggerRow, now: Date) {
  const { trait, offsetDays, sendTime } = trigger.config as {
    trait: string;
    offsetDays: number;
    sendTime: string;
  };
  // The local date the trait must fall on is "today minus offset" (offset +3: three days after the date).
  const rows = await sql<{ profile_id: string; period: string }>`
    WITH local AS (
      SELECT p.id, (p.traits ->> ${trait}) AS raw,
             (${now.toISOString()}::timestamptz AT TIME ZONE coalesce(z.name, 'UTC')) AS local_now
      FROM profiles p
      LEFT JOIN pg_timezone_names z ON z.name = p.traits ->> 'timezone'
      WHERE p.workspace_id = ${trigger.workspace_id} AND p.traits ? ${trait}
        AND (p.traits ->> ${trait}) ~ '^\\d{4}-\\d{2}-\\d{2}'
    ), dated AS (
      SELECT id, local_now, substr(raw, 1, 10)::date AS anniversary, (local_now - make_interval(days => ${offsetDays}))::date AS target
      FROM local
    )
    SELECT id AS profile_id, to_char(local_now, 'YYYY') AS period FROM dated
    WHERE local_now::time >= ${sendTime}::time
      AND (to_char(anniversary, 'MM-DD') = to_char(target, 'MM-DD')
           -- 29 February is celebrated on 28 February in other years
           OR (to_char(anniversary, 'MM-DD') = '02-29' AND to_char(target, 'MM-DD') = '02-28'
               AND NOT (extract(year FROM target)::int % 4 = 0 AND (extract(year FROM target)::int % 100 <> 0 OR extract(year FROM target)::int % 400 = 0))))`.execute(
    trx,
  );
  return rows.rows;
}

async function inactivityCandidates(trx: Transaction<DB>, trigger: TriggerRow, now: Date) {
  const { event, value } = trigger.config as { event: string; value: number };
  // One firing per spell of inactivity: the period is when the customer was last active.
  const rows = await sql<{ profile_id: string; period: string }>`
    SELECT p.id AS profile_id, to_char(coalesce(m.last_at, p.first_seen_at), 'YYYY-MM-DD"T"HH24:MI:SS') AS period
    FROM profiles p
    LEFT JOIN profile_metrics m ON m.profile_id = p.id AND m.event = ${event}
    WHERE p.workspace_id = ${trigger.workspace_id}
      AND coalesce(m.last_at, p.first_seen_at) < ${now.toISOString()}::timestamptz - make_interval(days => ${value})`.execute(
    trx,
  );
  return rows.rows;
}

async function windowedThresholdCandidates(trx: Transaction<DB>, trigger: TriggerRow, now: Date) {
  const { event, measure, property, op, value, windowDays } = trigger.config as {
    event: string;
    measure: 'count' | 'sum';
    property?: string;
    op: 'gte' | 'gt';
    value: number;
    windowDays: number;
  };
  const aggregate =
    measure === 'count'
      ? sql`count(*)`
      : sql`coalesce(sum(CASE WHEN jsonb_typeof(properties -> ${property ?? ''}) = 'number' THEN (properties ->> ${property ?? ''})::numeric END), 0)`;
  const comparison = op === 'gte' ? sql`>=` : sql`>`;
  // One firing per window: crossing again in the next window fires again.
  const windowIndex = Math.floor(now.getTime() / (windowDays * 86_400_000));
  const rows = await sql<{ profile_id: string; period: string }>`
    SELECT profile_id, ${`window-${windowIndex}`}::text AS period FROM events
    WHERE workspace_id = ${trigger.workspace_id} AND name = ${event}
      AND occurred_at >= ${now.toISOString()}::timestamptz - make_interval(days => ${windowDays})
    GROUP BY profile_id HAVING ${aggregate} ${comparison} ${value}`.execute(trx);
  return rows.rows;
}

/** One pass over every live scheduled trigger. Only one process runs it at a time. */
export async function runScheduledTriggers(
  services: { db: Database; boss: PgBoss },
  now = new Date(),
): Promise<ScheduleOutcome> {
  return services.db.transaction().execute(async (trx) => {
    const lock = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_xact_lock(hashtextextended('waymark:scheduled-triggers', 0)) AS locked`.execute(
      trx,
    );
    if (!lock.rows[0].locked) return { fired: 0 };
    const triggers = (await trx
      .selectFrom('journey_triggers as t')
      .innerJoin('journeys as j', 'j.id', 't.journey_id')
      .select(['t.workspace_id', 't.journey_id', 't.node_id', 't.kind', 't.config'])
      .where('j.status', '=', 'live')
      .where('t.kind', 'in', ['recurring', 'threshold'])
      .orderBy('t.journey_id')
      .execute()) as TriggerRow[];
    let fired = 0;
    for (const trigger of triggers) {
      const config = trigger.config as { measure?: string; windowDays?: number };
      let candidates: Array<{ profile_id: string; period: string }> = [];
      if (trigger.kind === 'recurring') candidates = await recurringCandidates(trx, trigger, now);
      else if (config.measure === 'inactivity') candidates = await inactivityCandidates(trx, trigger, now);
      else if (config.windowDays) candidates = await windowedThresholdCandidates(trx, trigger, now);
      else continue; // lifetime thresholds fire at ingest
      const profiles = await claimFirings(trx, trigger, candidates);
      for (let start = 0; start < profiles.length; start += 5000) {
        const { runs } = await enterJourneyMany(trx, services.boss, {
          workspaceId: trigger.workspace_id,
          journeyId: trigger.journey_id,
          triggerNodeId: trigger.node_id,
          now,
          entries: profiles.slice(start, start + 5000).map((profileId) => ({ profileId, event: null })),
        });
        fired += runs.size;
      }
    }
    fired += await recomputeStaleHealthScores(trx, services.boss, now);
    return { fired };
  });
}
