// Journeys and their drafts: create, list, read, rename, save. Every query is scoped by workspace.
import { sql } from 'kysely';
import { emptyGraph, journeyGraphSchema, type JourneyGraph } from '../../shared/graph';
import type { Executor } from '../db/database';
import { containsPattern } from '../db/like-pattern';
import type { EntryRule, JourneyGoal, JourneyStatus } from '../db/schema';
import { ConflictError, GraphInvalidError, NotFoundError } from '../errors';
import { formatIssuePath } from '../../shared/validate-graph';

export interface JourneySummary {
  id: string;
  name: string;
  status: JourneyStatus;
  liveVersion: number | null;
  entries: number;
  converted: number;
  updatedAt: Date;
  createdAt: Date;
}

export interface JourneyDetail extends JourneySummary {
  draft: JourneyGraph;
  draftRevision: number;
  entryRule: EntryRule;
  reentryDays: number | null;
  liveVersionId: string | null;
  /** The graph of the live version, to show what publishing would change. */
  liveGraph: JourneyGraph | null;
  goal: JourneyGoal | null;
}

/** A run of a published version, not of a test version. */
const notTestRun = sql<boolean>`NOT EXISTS (SELECT 1 FROM journey_versions tv WHERE tv.id = runs.version_id AND tv.is_test)`;

export async function listJourneys(
  db: Executor,
  workspaceId: string,
  search?: string,
): Promise<JourneySummary[]> {
  let query = db
    .selectFrom('journeys as j')
    .leftJoin('journey_versions as v', 'v.id', 'j.live_version_id')
    .select((eb) => [
      'j.id',
      'j.name',
      'j.status',
      'j.updated_at',
      'j.created_at',
      'v.version as live_version',
      // Test runs (test mode) are not entries, as in the journey's stats.
      eb
        .selectFrom('runs')
        .whereRef('runs.journey_id', '=', 'j.id')
        .where(notTestRun)
        .select(sql<number>`count(*)`.as('n'))
        .as('entries'),
      eb
        .selectFrom('runs')
        .whereRef('runs.journey_id', '=', 'j.id')
        .where(notTestRun)
        .where('runs.converted_at', 'is not', null)
        .select(sql<number>`count(*)`.as('n'))
        .as('converted'),
    ])
    .where('j.workspace_id', '=', workspaceId)
    .orderBy('j.updated_at', 'desc');
  if (search?.trim()) query = query.where('j.name', 'ilike', containsPattern(search.trim()));
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    status: row.status,
    liveVersion: row.live_version ?? null,
    entries: Number(row.entries ?? 0),
    converted: Number(row.converted ?? 0),
    updatedAt: row.updated_at,
    createdAt: row.created_at,
  }));
}

export async function getJourney(
  db: Executor,
  workspaceId: string,
  journeyId: string,
): Promise<JourneyDetail> {
  const row = await db
    .selectFrom('journeys as j')
    .leftJoin('journey_versions as v', 'v.id', 'j.live_version_id')
    .selectAll('j')
    .select(['v.version as live_version', 'v.graph as live_graph'])
    .where('j.workspace_id', '=', workspaceId)
    .where('j.id', '=', journeyId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('journey', journeyId);
  const counts = await db
    .selectFrom('runs')
    .select([sql<number>`count(*)`.as('entries'), sql<number>`count(converted_at)`.as('converted')])
    .where('journey_id', '=', journeyId)
    .where(notTestRun)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    liveVersion: row.live_version ?? null,
    entries: Number(counts.entries),
    converted: Number(counts.converted),
    updatedAt: row.updated_at,
    createdAt: row.created_at,
    draft: row.draft as JourneyGraph,
    draftRevision: row.draft_revision,
    entryRule: row.entry_rule,
    reentryDays: row.reentry_days,
    liveVersionId: row.live_version_id,
    liveGraph: (row.live_graph as JourneyGraph | null) ?? null,
    goal: (row.goal as JourneyGoal | null) ?? null,
  };
}

export async function createJourney(
  db: Executor,
  workspaceId: string,
  input: { name: string; draft?: JourneyGraph },
): Promise<JourneyDetail> {
  const draft = input.draft ?? emptyGraph();
  const row = await db
    .insertInto('journeys')
    .values({ workspace_id: workspaceId, name: input.name, draft: JSON.stringify(draft) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return getJourney(db, workspaceId, row.id);
}

export async function renameJourney(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  name: string,
): Promise<void> {
  const result = await db
    .updateTable('journeys')
    .set({ name, updated_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError('journey', journeyId);
}

/**
 * Saves the draft graph. `baseRevision` is the revision the editor loaded: when someone saved
 * in between (another tab), the save is refused instead of silently overwriting theirs.
 * The graph is checked for shape here; whether it can publish is `validateGraph`'s job.
 */
export async function updateDraft(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  input: { draft: unknown; baseRevision?: number },
): Promise<{ draftRevision: number }> {
  const parsed = journeyGraphSchema.safeParse(input.draft);
  if (!parsed.success) {
    throw new GraphInvalidError(
      parsed.error.issues.map((issue) => ({
        code: 'schema' as const,
        path: formatIssuePath(issue.path),
        message: `draft.${formatIssuePath(issue.path)}: ${issue.message}`,
      })),
    );
  }
  let query = db
    .updateTable('journeys')
    .set({
      draft: JSON.stringify(parsed.data),
      draft_revision: sql`draft_revision + 1`,
      updated_at: sql`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId);
  if (input.baseRevision !== undefined) query = query.where('draft_revision', '=', input.baseRevision);
  const row = await query.returning('draft_revision').executeTakeFirst();
  if (row) return { draftRevision: row.draft_revision };
  const current = await db
    .selectFrom('journeys')
    .select('draft_revision')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId)
    .executeTakeFirst();
  if (!current) throw new NotFoundError('journey', journeyId);
  throw new ConflictError(
    'the draft was changed elsewhere since you opened it; reload to see the newer version',
    { currentRevision: current.draft_revision },
  );
}

export async function setEntryRule(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  rule: EntryRule,
  reentryDays: number | null,
): Promise<void> {
  const result = await db
    .updateTable('journeys')
    .set({ entry_rule: rule, reentry_days: rule === 'after' ? reentryDays : null, updated_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError('journey', journeyId);
}

export async function listVersions(db: Executor, workspaceId: string, journeyId: string) {
  // Published versions only: a test of the draft is not a version of the journey.
  return db
    .selectFrom('journey_versions')
    .select(['id', 'version', 'published_at', 'is_test'])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .where('is_test', '=', false)
    .orderBy('version', 'desc')
    .execute();
}

/** Makes a published version the draft again (the live version stays live until published). */
export async function restoreVersionAsDraft(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  version: number,
): Promise<{ draftRevision: number }> {
  const row = await db
    .selectFrom('journey_versions')
    .select('graph')
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('version', `${version} of journey ${journeyId}`);
  return updateDraft(db, workspaceId, journeyId, { draft: row.graph });
}

export async function duplicateJourney(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  name?: string,
): Promise<JourneyDetail> {
  const source = await getJourney(db, workspaceId, journeyId);
  const copy = await createJourney(db, workspaceId, {
    name: name ?? `${source.name} (copy)`.slice(0, 200),
    draft: source.draft,
  });
  await setEntryRule(db, workspaceId, copy.id, source.entryRule, source.reentryDays);
  // The copy measures what the original measures: its goal comes along.
  if (source.goal) await setGoal(db, workspaceId, copy.id, source.goal);
  return getJourney(db, workspaceId, copy.id);
}

/** The journey's goal: an event (with a filter) within a window after entry; optionally exit when reached. */
export async function setGoal(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  goal: JourneyGoal | null,
): Promise<void> {
  const result = await db
    .updateTable('journeys')
    .set({ goal: goal ? JSON.stringify(goal) : null, updated_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError('journey', journeyId);
}
