// Keeps each profile's health score current (at ingest and daily, as recency decays) and
// starts "health score crossed a level" journeys when a score crosses their level.
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import {
  computeHealthScore,
  healthScoreConfigSchema,
  type HealthScoreConfig,
} from '../../shared/health-score';
import { anyOf, type Executor } from '../db/database';
import type { DB } from '../db/schema';
import { enterJourneyMany } from '../engine/enter-journey';

export async function getHealthConfig(db: Executor, workspaceId: string): Promise<HealthScoreConfig | null> {
  const row = await db
    .selectFrom('workspaces')
    .select('settings')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  const raw = (row?.settings as { healthScore?: unknown } | undefined)?.healthScore;
  if (!raw) return null;
  const parsed = healthScoreConfigSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export async function setHealthConfig(
  db: Executor,
  workspaceId: string,
  config: HealthScoreConfig | null,
): Promise<void> {
  await sql`UPDATE workspaces SET settings = CASE WHEN ${config === null} THEN settings - 'healthScore' ELSE jsonb_set(settings, '{healthScore}', ${JSON.stringify(config)}::jsonb) END WHERE id = ${workspaceId}`.execute(
    db,
  );
  // Every score is due again under the new formula.
  await db
    .updateTable('profiles')
    .set({ health_computed_at: null })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

/**
 * Recomputes the scores of these profiles; returns how many journeys were started. `depths`: for
 * scores moved by a journey's trait change, how deep that run was in a chain of journeys.
 */
export async function recomputeHealthScores(
  trx: Transaction<DB>,
  boss: PgBoss,
  workspaceId: string,
  profileIds: string[],
  now = new Date(),
  depths?: ReadonlyMap<string, number>,
): Promise<number> {
  if (profileIds.length === 0) return 0;
  const config = await getHealthConfig(trx, workspaceId);
  if (!config) return 0;
  const profiles = await trx
    .selectFrom('profiles')
    .select(['id', 'traits', 'last_seen_at', 'health_score'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', anyOf(profileIds))
    .execute();
  const metrics = await trx
    .selectFrom('profile_metrics')
    .select(['profile_id', 'event', 'count', 'sums'])
    .where('profile_id', '=', anyOf(profileIds))
    .execute();
  const totals = new Map<string, { count: number; spend: number }>();
  for (const metric of metrics) {
    const total = totals.get(metric.profile_id) ?? { count: 0, spend: 0 };
    total.count += Number(metric.count);
    if (metric.event === config.monetaryEvent)
      total.spend += Number((metric.sums as Record<string, number>)[config.monetaryProperty] ?? 0);
    totals.set(metric.profile_id, total);
  }
  const scores = profiles.map((profile) => {
    const total = totals.get(profile.id) ?? { count: 0, spend: 0 };
    const score = computeHealthScore(config, {
      lastSeenAt: profile.last_seen_at,
      eventCount: total.count,
      spend: total.spend,
      traits: profile.traits as Record<string, unknown>,
      now,
    });
    return { id: profile.id, before: profile.health_score, score };
  });
  await sql`
    UPDATE profiles p SET health_score = x.score, health_computed_at = ${now.toISOString()}::timestamptz
    FROM jsonb_to_recordset(${JSON.stringify(scores.map(({ id, score }) => ({ id, score })))}::jsonb) AS x(id uuid, score real)
    WHERE p.id = x.id`.execute(trx);

  const triggers = await trx
    .selectFrom('journey_triggers as t')
    .innerJoin('journeys as j', 'j.id', 't.journey_id')
    .select(['t.journey_id', 't.node_id', 't.config'])
    .where('t.workspace_id', '=', workspaceId)
    .where('t.kind', '=', 'health')
    .where('j.status', '=', 'live')
    .execute();
  let started = 0;
  for (const trigger of triggers) {
    const { direction, level } = trigger.config as { direction: 'below' | 'above'; level: number };
    // Only a real crossing counts: a first score is a starting point, not a change.
    const crossing = scores.filter(
      ({ before, score }) =>
        before !== null &&
        (direction === 'below' ? before >= level && score < level : before <= level && score > level),
    );
    if (crossing.length === 0) continue;
    const { runs } = await enterJourneyMany(trx, boss, {
      workspaceId,
      journeyId: trigger.journey_id,
      triggerNodeId: trigger.node_id,
      now,
      entries: crossing.map(({ id, before, score }) => ({
        profileId: id,
        depth: depths?.get(id) || undefined,
        event: {
          id: `health-${id}-${now.getTime()}`,
          name: 'Health Score Changed',
          properties: { before, after: score, level },
          occurredAt: now.toISOString(),
        },
      })),
    });
    started += runs.size;
  }
  return started;
}

/** Scores not computed today (recency decays even without events), a chunk at a time. */
export async function recomputeStaleHealthScores(
  trx: Transaction<DB>,
  boss: PgBoss,
  now = new Date(),
  limit = 5000,
): Promise<number> {
  const workspaces = await trx
    .selectFrom('workspaces')
    .select('id')
    .where(sql<boolean>`settings ? 'healthScore'`)
    .execute();
  let started = 0;
  for (const workspace of workspaces) {
    const stale = await trx
      .selectFrom('profiles')
      .select('id')
      .where('workspace_id', '=', workspace.id)
      .where((eb) =>
        eb.or([
          eb('health_computed_at', 'is', null),
          eb('health_computed_at', '<', new Date(now.getTime() - 86_400_000)),
        ]),
      )
      .limit(limit)
      .execute();
    started += await recomputeHealthScores(
      trx,
      boss,
      workspace.id,
      stale.map((row) => row.id),
      now,
    );
  }
  return started;
}
