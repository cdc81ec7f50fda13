// Publishing: the draft becomes an immutable version that new runs are pinned to; pause, resume, archive.
import { sql, type Transaction } from 'kysely';
import type { JourneyGraph } from '../../shared/graph';
import type { NodeTypeRegistry } from '../../shared/node-type';
import { validateGraph } from '../../shared/validate-graph';
import type { Database } from '../db/database';
import type { DB, JourneyStatus } from '../db/schema';
import { ConflictError, GraphInvalidError, NotFoundError } from '../errors';
import { migrateRuns, planMigration, type NodeMoves } from './migrate-runs';

export interface PublishResult {
  versionId: string;
  version: number;
  /** Customers moved onto this version from the one before, and those who exited instead. */
  migrated: { moved: number; exited: number };
}

/**
 * Validates the draft and publishes it as the next version, in one transaction — together with
 * moving the customers inside the live version where `moves` says (all of them, or none).
 */
export async function publishJourney(
  db: Database,
  registry: NodeTypeRegistry,
  workspaceId: string,
  journeyId: string,
  moves?: NodeMoves,
): Promise<PublishResult> {
  return db.transaction().execute((trx) => publishJourneyIn(trx, registry, workspaceId, journeyId, moves));
}

/**
 * Stores a graph as the journey's next version: published versions count 1, 2, 3 …; test versions
 * (test mode) count -1, -2 … apart from them, so a test takes no number from the published ones.
 */
export async function insertVersion(
  trx: Transaction<DB>,
  workspaceId: string,
  journeyId: string,
  graph: JourneyGraph,
  isTest = false,
): Promise<{ id: string; version: number }> {
  const last = await trx
    .selectFrom('journey_versions')
    .select(
      isTest
        ? sql<number>`least(coalesce(min(version), 0), 0)`.as('n')
        : sql<number>`greatest(coalesce(max(version), 0), 0)`.as('n'),
    )
    .where('journey_id', '=', journeyId)
    .executeTakeFirstOrThrow();
  return trx
    .insertInto('journey_versions')
    .values({
      journey_id: journeyId,
      workspace_id: workspaceId,
      version: Number(last.n) + (isTest ? -1 : 1),
      graph: JSON.stringify(graph),
      is_test: isTest,
    })
    .returning(['id', 'version'])
    .executeTakeFirstOrThrow();
}

/** The same, inside the caller's transaction. */
export async function publishJourneyIn(
  trx: Transaction<DB>,
  registry: NodeTypeRegistry,
  workspaceId: string,
  journeyId: string,
  moves?: NodeMoves,
): Promise<PublishResult> {
  {
    const journey = await trx
      .selectFrom('journeys')
      .select(['id', 'draft', 'status', 'live_version_id'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', journeyId)
      .forUpdate()
      .executeTakeFirst();
    if (!journey) throw new NotFoundError('journey', journeyId);
    if (journey.status === 'archived')
      throw new ConflictError('an archived journey cannot be published; restore it first');
    const validation = validateGraph(journey.draft, registry);
    if (!validation.ok) throw new GraphInvalidError(validation.problems, validation.graph?.nodes);
    const graph = validation.graph;
    const plan =
      moves && journey.live_version_id
        ? await planMigration(trx, registry, journeyId, journey.live_version_id, graph, moves)
        : null;

    const inserted = await insertVersion(trx, workspaceId, journeyId, graph);
    const { version } = inserted;

    // The trigger index follows the live version only.
    await trx.deleteFrom('journey_triggers').where('journey_id', '=', journeyId).execute();
    const triggers = graph.nodes.flatMap((node) => {
      const definition = registry.get(node.type)!;
      if (!definition.trigger) return [];
      return [
        {
          workspace_id: workspaceId,
          journey_id: journeyId,
          version_id: inserted.id,
          node_id: node.id,
          kind: definition.trigger.kind,
          event_name: definition.trigger.eventName?.(node.config) ?? null,
          config: JSON.stringify(node.config),
        },
      ];
    });
    if (triggers.length > 0) await trx.insertInto('journey_triggers').values(triggers).execute();

    await trx
      .updateTable('journeys')
      .set({
        live_version_id: inserted.id,
        status: 'live',
        test_version_id: null,
        test_profile_ids: sql`'{}'::uuid[]`,
        updated_at: sql`now()`,
      })
      .where('id', '=', journeyId)
      .execute();
    const migrated = plan
      ? await migrateRuns(trx, workspaceId, journeyId, plan, inserted.id)
      : { moved: 0, exited: 0 };
    return { versionId: inserted.id, version, migrated };
  }
}

const allowedTransitions: Record<'pause' | 'resume' | 'archive', JourneyStatus[]> = {
  pause: ['live'],
  resume: ['paused'],
  archive: ['draft', 'live', 'paused'],
};

/**
 * Pause: no new entries, waiting runs hold where they are. Resume: entries and runs go on.
 * Archive: no new entries; runs inside finish.
 */
export async function changeJourneyStatus(
  db: Database,
  workspaceId: string,
  journeyId: string,
  action: 'pause' | 'resume' | 'archive',
): Promise<JourneyStatus> {
  const next: JourneyStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'live' : 'archived';
  return db.transaction().execute(async (trx) => {
    const journey = await trx
      .selectFrom('journeys')
      .select(['status', 'live_version_id'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', journeyId)
      .forUpdate()
      .executeTakeFirst();
    if (!journey) throw new NotFoundError('journey', journeyId);
    if (!allowedTransitions[action].includes(journey.status)) {
      throw new ConflictError(
        `a ${journey.status} journey cannot be ${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'archived'}`,
      );
    }
    await trx
      .updateTable('journeys')
      .set({ status: next, updated_at: sql`now()` })
      .where('id', '=', journeyId)
      .execute();
    return next;
  });
}
