// Every change to a profile's traits goes through here — ingest's identify, a journey's Update
// profile (and any plugin node's trait writes), a profile merge, a webhook's answer, the
// preference page, a bounce — so each one starts what a trait change starts: "entered segment"
// journeys and health-score journeys, in the caller's transaction, once per change.
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import type { DB } from '../db/schema';
import { dispatchEvents, type TraitChange } from '../engine/dispatch-events';
import { recomputeHealthScores } from './health-score';

export interface TraitPatch {
  profileId: string;
  set?: Record<string, unknown>;
  unset?: readonly string[];
  addTags?: readonly string[];
  removeTags?: readonly string[];
  /** For a change a journey made: how deep its run is in a chain of journeys starting journeys. */
  depth?: number;
}

/**
 * Writes trait patches (one statement, profiles locked in id order) and starts what the changes
 * start. Returns the changes (profiles whose traits differ afterwards) and how many runs began.
 */
export async function changeTraits(
  trx: Transaction<DB>,
  boss: PgBoss,
  patches: readonly TraitPatch[],
  now = new Date(),
): Promise<{ changes: TraitChange[]; runsStarted: number }> {
  if (patches.length === 0) return { changes: [], runsStarted: 0 };
  const rows = [...patches]
    .sort((a, b) => a.profileId.localeCompare(b.profileId))
    .map((patch) => ({
      id: patch.profileId,
      set: patch.set ?? {},
      unset: patch.unset ?? [],
      add_tags: patch.addTags ?? [],
      remove_tags: patch.removeTags ?? [],
    }));
  const updated = await sql<{
    id: string;
    workspace_id: string;
    before: Record<string, unknown>;
    after: Record<string, unknown>;
    changed: boolean;
  }>`
    WITH old AS (
      SELECT p.id, p.traits FROM profiles p WHERE p.id = ANY(${rows.map((row) => row.id)}::uuid[]) ORDER BY p.id FOR UPDATE
    )
    UPDATE profiles p SET
      traits = (p.traits || x.set) - ARRAY(SELECT jsonb_array_elements_text(x.unset)),
      tags = ARRAY(
        SELECT DISTINCT t FROM unnest(p.tags || ARRAY(SELECT jsonb_array_elements_text(x.add_tags))) AS t
        WHERE t <> ALL(ARRAY(SELECT jsonb_array_elements_text(x.remove_tags))) ORDER BY t)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id uuid, set jsonb, unset jsonb, add_tags jsonb, remove_tags jsonb), old
    WHERE p.id = x.id AND old.id = p.id
    RETURNING p.id, p.workspace_id, old.traits AS before, p.traits AS after, old.traits IS DISTINCT FROM p.traits AS changed`.execute(
    trx,
  );
  const depths = new Map(patches.map((patch) => [patch.profileId, patch.depth ?? 0]));
  const changed = updated.rows.filter((row) => row.changed);
  const byWorkspace = new Map<string, TraitChange[]>();
  for (const row of changed) {
    const list = byWorkspace.get(row.workspace_id) ?? [];
    list.push({
      profileId: row.id,
      before: row.before,
      after: row.after,
      depth: depths.get(row.id) || undefined,
    });
    byWorkspace.set(row.workspace_id, list);
  }
  let runsStarted = 0;
  for (const [workspaceId, changes] of byWorkspace)
    runsStarted += await traitsChanged(trx, boss, workspaceId, changes, now);
  return { changes: [...byWorkspace.values()].flat(), runsStarted };
}

/**
 * What trait changes already written start: journeys whose segment the profile has just entered,
 * and journeys whose health-score level its new score crossed. Returns how many runs began.
 */
export async function traitsChanged(
  trx: Transaction<DB>,
  boss: PgBoss,
  workspaceId: string,
  changes: readonly TraitChange[],
  now = new Date(),
): Promise<number> {
  if (changes.length === 0) return 0;
  const dispatched = await dispatchEvents(trx, boss, {
    workspaceId,
    events: [],
    traitChanges: [...changes],
    traits: new Map(changes.map((change) => [change.profileId, change.after])),
  });
  const depths = new Map(changes.map((change) => [change.profileId, change.depth ?? 0]));
  const healthStarted = await recomputeHealthScores(trx, boss, workspaceId, [...depths.keys()], now, depths);
  return dispatched.runsStarted.length + healthStarted;
}
