// Moving the customers inside a live journey onto the version being published: a preview of who
// goes where (and who becomes due at once, and who misses a message), then the move itself, in the
// publishing transaction. Moves are recorded as steps on the port "migrated"; the moved runs are
// put on the wake-up sweep, which hands them to the step queue in batches.
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { JourneyGraph } from '../../shared/graph';
import type { NodeTypeRegistry, ProfileView } from '../../shared/node-type';
import { validateGraph } from '../../shared/validate-graph';
import type { Executor } from '../db/database';
import type { DB } from '../db/schema';
import { createNodeContext, emptyStagedWrites } from '../engine/node-context';
import { GraphInvalidError, InvalidInputError, NotFoundError } from '../errors';
import { inspectNode } from './inspect-graph';
import { wakeChannel } from '../queue/job-queue';

export const exitTarget = '#exit';
export const stayTarget = '#stay';
export const migratedPort = 'migrated';

/** Per node of the live version: where its customers go ("#stay" by default, "#exit", or a node of the new version). */
export const nodeMovesSchema = z.record(
  z.string().min(1).max(64),
  z.object({ to: z.string().min(1).max(64), retime: z.boolean().default(false) }),
);
export type NodeMoves = z.infer<typeof nodeMovesSchema>;

interface GraphIndex {
  nodes: Map<string, JourneyGraph['nodes'][number]>;
  next: Map<string, string[]>;
}

function indexGraph(graph: JourneyGraph): GraphIndex {
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  return { nodes: new Map(graph.nodes.map((node) => [node.id, node])), next };
}

/** Touchpoints a customer at `from` would still reach (itself included). */
function touchpointsAhead(index: GraphIndex, from: string): Set<string> {
  const seen = new Set<string>();
  const found = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (index.nodes.get(id)?.type.startsWith('touchpoint.')) found.add(id);
    queue.push(...(index.next.get(id) ?? []));
  }
  return found;
}

function labelOf(
  registry: NodeTypeRegistry,
  node: JourneyGraph['nodes'][number] | undefined,
  id: string,
): string {
  if (!node) return id;
  return node.label || inspectNode(node, registry)?.summary || registry.get(node.type)?.label || id;
}

export interface MigrationPreviewNode {
  nodeId: string;
  label: string;
  customers: number;
  waiting: number;
  /** The node of the new version it maps to by default (same id), or null when it was removed. */
  defaultTarget: string | null;
  target: string;
  /** A wait whose setting changed: its customers can be re-timed from when they entered the wait. */
  retimable: boolean;
  retime: boolean;
  dueNow: number;
  /** Touchpoints these customers could still reach on the live version but not after the move. */
  skipped: Array<{ nodeId: string; label: string }>;
}

export interface MigrationPreview {
  liveVersion: number | null;
  nodes: MigrationPreviewNode[];
  targets: Array<{ nodeId: string; label: string }>;
  totals: {
    customers: number;
    moving: number;
    staying: number;
    exiting: number;
    dueNow: number;
    missingMessages: number;
    needTarget: number;
  };
}

interface Plan {
  liveVersionId: string;
  moves: Array<{ from: string; to: string; retime: boolean }>;
}

async function liveVersionOf(db: Executor, workspaceId: string, journeyId: string) {
  const journey = await db
    .selectFrom('journeys')
    .select('live_version_id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId)
    .executeTakeFirst();
  if (!journey) throw new NotFoundError('journey', journeyId);
  return journey.live_version_id
    ? db
        .selectFrom('journey_versions')
        .select(['id', 'version', 'graph'])
        .where('id', '=', journey.live_version_id)
        .executeTakeFirst()
    : undefined;
}

function resolveMoves(
  oldIndex: GraphIndex,
  newIndex: GraphIndex,
  registry: NodeTypeRegistry,
  nodeIds: string[],
  moves: NodeMoves | undefined,
) {
  return nodeIds.map((nodeId) => {
    const oldNode = oldIndex.nodes.get(nodeId);
    const newNode = newIndex.nodes.get(nodeId);
    const defaultTarget = newNode ? nodeId : null;
    const chosen = moves?.[nodeId];
    const target = chosen ? chosen.to : stayTarget;
    const retimable = Boolean(
      oldNode &&
      newNode &&
      target === nodeId &&
      registry.get(newNode.type)?.waits &&
      oldNode.type === newNode.type &&
      JSON.stringify(oldNode.config) !== JSON.stringify(newNode.config),
    );
    return { nodeId, defaultTarget, target, retimable, retime: retimable && (chosen?.retime ?? false) };
  });
}

/** Who would move where if the graph were published with these moves. */
export async function previewMigration(
  db: Executor,
  registry: NodeTypeRegistry,
  workspaceId: string,
  journeyId: string,
  graphInput: unknown,
  moves: NodeMoves | undefined,
  now = new Date(),
): Promise<MigrationPreview> {
  const live = await liveVersionOf(db, workspaceId, journeyId);
  const validation = validateGraph(graphInput, registry);
  if (!validation.ok) throw new GraphInvalidError(validation.problems);
  const newIndex = indexGraph(validation.graph);
  const targets = validation.graph.nodes
    .filter((node) => !registry.get(node.type)?.trigger)
    .map((node) => ({ nodeId: node.id, label: labelOf(registry, node, node.id) }));
  const empty = {
    customers: 0,
    moving: 0,
    staying: 0,
    exiting: 0,
    dueNow: 0,
    missingMessages: 0,
    needTarget: 0,
  };
  if (!live) return { liveVersion: null, nodes: [], targets, totals: empty };
  const oldIndex = indexGraph(live.graph as JourneyGraph);

  const counts = await db
    .selectFrom('runs')
    .select([
      'current_node',
      sql<number>`count(*)`.as('n'),
      sql<number>`count(*) FILTER (WHERE status = 'waiting')`.as('waiting'),
    ])
    .where('journey_id', '=', journeyId)
    .where('version_id', '=', live.id)
    .where('status', 'in', ['active', 'waiting'])
    .groupBy('current_node')
    .orderBy('current_node')
    .execute();
  const resolved = resolveMoves(
    oldIndex,
    newIndex,
    registry,
    counts.map((row) => row.current_node),
    moves,
  );
  const totals = { ...empty };
  const nodes: MigrationPreviewNode[] = [];
  for (const [index, row] of counts.entries()) {
    const move = resolved[index];
    const customers = Number(row.n);
    totals.customers += customers;
    let dueNow = 0;
    let skipped: Array<{ nodeId: string; label: string }> = [];
    if (move.target === stayTarget) totals.staying += customers;
    else if (move.target === exitTarget || newIndex.nodes.has(move.target)) {
      if (move.target === exitTarget) totals.exiting += customers;
      else totals.moving += customers;
      const ahead = touchpointsAhead(oldIndex, row.current_node);
      const stillAhead =
        move.target === exitTarget ? new Set<string>() : touchpointsAhead(newIndex, move.target);
      skipped = [...ahead]
        .filter((id) => !stillAhead.has(id))
        .sort()
        .map((id) => ({ nodeId: id, label: labelOf(registry, oldIndex.nodes.get(id), id) }));
      if (skipped.length > 0) totals.missingMessages += customers;
      if (move.retime)
        dueNow = await countDueNow(
          db,
          registry,
          journeyId,
          live.id,
          row.current_node,
          newIndex.nodes.get(move.target)!,
          now,
        );
      else if (move.target !== exitTarget && !registry.get(newIndex.nodes.get(move.target)!.type)?.waits)
        dueNow = customers;
      totals.dueNow += dueNow;
    } else totals.needTarget += customers;
    nodes.push({
      nodeId: row.current_node,
      label: labelOf(registry, oldIndex.nodes.get(row.current_node), row.current_node),
      customers,
      waiting: Number(row.waiting),
      defaultTarget: move.defaultTarget,
      target: move.target,
      retimable: move.retimable,
      retime: move.retime,
      dueNow,
      skipped,
    });
  }
  return { liveVersion: live.version, nodes, targets, totals };
}

/** Re-timed waits: the new setting counted from when each customer entered the wait. */
async function countDueNow(
  db: Executor,
  registry: NodeTypeRegistry,
  journeyId: string,
  versionId: string,
  nodeId: string,
  target: JourneyGraph['nodes'][number],
  now: Date,
): Promise<number> {
  const definition = registry.get(target.type)!;
  const config = definition.config.parse(target.config);
  const rows = await db
    .selectFrom('runs as r')
    .innerJoin('profiles as p', 'p.id', 'r.profile_id')
    .leftJoin('steps as s', (join) => join.onRef('s.run_id', '=', 'r.id').onRef('s.seq', '=', 'r.seq'))
    .select(['r.id', 'p.id as profile_id', 'p.user_id', 'p.traits', 'p.tags', 's.entered_at'])
    .where('r.journey_id', '=', journeyId)
    .where('r.version_id', '=', versionId)
    .where('r.current_node', '=', nodeId)
    .where('r.status', 'in', ['active', 'waiting'])
    .execute();
  let due = 0;
  for (const row of rows) {
    const profile: ProfileView = {
      id: row.profile_id,
      userId: row.user_id,
      traits: row.traits as Record<string, unknown>,
      tags: row.tags,
    };
    const since = row.entered_at ?? now;
    const ctx = createNodeContext({
      db,
      now: since,
      runId: row.id,
      nodeId,
      journeyId,
      profile,
      event: null,
      resume: null,
      staged: emptyStagedWrites({}),
    });
    const result = await definition.execute(ctx, config);
    const until =
      'waitUntil' in result
        ? result.waitUntil
        : 'waitForEvent' in result
          ? result.waitForEvent.timeoutAt
          : since;
    if (until.getTime() <= now.getTime()) due++;
  }
  return due;
}

/** Checks the moves against both versions; returns what to do in SQL. */
export async function planMigration(
  trx: Transaction<DB>,
  registry: NodeTypeRegistry,
  journeyId: string,
  liveVersionId: string,
  newGraph: JourneyGraph,
  moves: NodeMoves,
): Promise<Plan> {
  const live = await trx
    .selectFrom('journey_versions')
    .select('graph')
    .where('id', '=', liveVersionId)
    .executeTakeFirstOrThrow();
  const oldIndex = indexGraph(live.graph as JourneyGraph);
  const newIndex = indexGraph(newGraph);
  const occupied = await trx
    .selectFrom('runs')
    .select('current_node')
    .distinct()
    .where('journey_id', '=', journeyId)
    .where('version_id', '=', liveVersionId)
    .where('status', 'in', ['active', 'waiting'])
    .execute();
  const resolved = resolveMoves(
    oldIndex,
    newIndex,
    registry,
    occupied.map((row) => row.current_node),
    moves,
  );
  for (const move of resolved) {
    if (move.target === stayTarget || move.target === exitTarget) continue;
    const target = newIndex.nodes.get(move.target);
    if (!target)
      throw new InvalidInputError(
        `migration.moves.${move.nodeId}.to`,
        `"${move.target}" is not a node of the new version; choose one of its nodes, "${exitTarget}" or "${stayTarget}"`,
      );
    if (registry.get(target.type)?.trigger)
      throw new InvalidInputError(
        `migration.moves.${move.nodeId}.to`,
        'customers cannot be moved onto a trigger',
      );
  }
  return {
    liveVersionId,
    moves: resolved
      .filter((move) => move.target !== stayTarget)
      .map((move) => ({ from: move.nodeId, to: move.target, retime: move.retime })),
  };
}

/** Moves the runs, set-based, inside the publishing transaction. Returns how many moved and exited. */
export async function migrateRuns(
  trx: Transaction<DB>,
  workspaceId: string,
  journeyId: string,
  plan: Plan,
  newVersionId: string,
  now = new Date(),
): Promise<{ moved: number; exited: number }> {
  if (plan.moves.length === 0) return { moved: 0, exited: 0 };
  const at = now.toISOString();
  await sql`CREATE TEMP TABLE waymark_moving (id uuid PRIMARY KEY, seq int, from_node text, to_node text, retime boolean, waited_since timestamptz, step_open boolean) ON COMMIT DROP`.execute(
    trx,
  );
  // Locks the runs being moved: a step in progress finishes first, and none starts meanwhile.
  await sql`
    INSERT INTO waymark_moving
    SELECT r.id, r.seq, r.current_node, m.to_node, m.retime, s.entered_at, s.run_id IS NOT NULL
    FROM runs r
    JOIN jsonb_to_recordset(${JSON.stringify(plan.moves.map((move) => ({ from_node: move.from, to_node: move.to, retime: move.retime })))}::jsonb)
      AS m(from_node text, to_node text, retime boolean) ON m.from_node = r.current_node
    LEFT JOIN steps s ON s.run_id = r.id AND s.seq = r.seq AND s.left_at IS NULL
    WHERE r.journey_id = ${journeyId} AND r.version_id = ${plan.liveVersionId} AND r.status IN ('active', 'waiting')
    ORDER BY r.id
    FOR UPDATE OF r`.execute(trx);
  // The move is a step on the port "migrated": an open (waiting) step is closed, else one is written.
  await sql`
    UPDATE steps SET left_at = ${at}, port = ${migratedPort}, outcome = CASE WHEN m.to_node = ${exitTarget} THEN 'exited' ELSE 'passed' END
    FROM waymark_moving m WHERE steps.run_id = m.id AND steps.seq = m.seq AND m.step_open`.execute(trx);
  await sql`
    INSERT INTO steps (run_id, seq, workspace_id, journey_id, version_id, node_id, entered_at, left_at, port, outcome)
    SELECT id, seq, ${workspaceId}, ${journeyId}, ${plan.liveVersionId}, from_node, ${at}, ${at}, ${migratedPort}, CASE WHEN to_node = ${exitTarget} THEN 'exited' ELSE 'passed' END
    FROM waymark_moving WHERE NOT step_open`.execute(trx);
  const hour = new Date(now);
  hour.setUTCMinutes(0, 0, 0);
  await sql`
    INSERT INTO node_stats AS s (version_id, node_id, port, hour, shard, entered, passed, exited, failed)
    SELECT ${plan.liveVersionId}, from_node, ${migratedPort}, ${hour.toISOString()}::timestamptz, 0,
      0, count(*) FILTER (WHERE to_node <> ${exitTarget}), count(*) FILTER (WHERE to_node = ${exitTarget}), 0
    FROM waymark_moving GROUP BY from_node ORDER BY from_node
    ON CONFLICT (version_id, node_id, port, hour, shard) DO UPDATE SET passed = s.passed + excluded.passed, exited = s.exited + excluded.exited`.execute(
    trx,
  );
  // Runs that entered a node without leaving it yet count as entered there (as the engine's own steps do).
  await sql`
    INSERT INTO node_stats AS s (version_id, node_id, port, hour, shard, entered)
    SELECT ${plan.liveVersionId}, from_node, '', ${hour.toISOString()}::timestamptz, 0, count(*)
    FROM waymark_moving WHERE NOT step_open GROUP BY from_node ORDER BY from_node
    ON CONFLICT (version_id, node_id, port, hour, shard) DO UPDATE SET entered = s.entered + excluded.entered`.execute(
    trx,
  );
  await sql`DELETE FROM waits USING waymark_moving m WHERE waits.run_id = m.id`.execute(trx);
  const exited = await sql`
    UPDATE runs SET status = 'exited', ended_at = ${at}, wake_at = NULL, attempts = 0
    FROM waymark_moving m WHERE runs.id = m.id AND m.to_node = ${exitTarget}`.execute(trx);
  // Onto the new version, one step further; the wake-up sweep queues them (a re-timed wait counts from its old start).
  const moved = await sql`
    UPDATE runs SET version_id = ${newVersionId}, current_node = m.to_node, seq = runs.seq + 1, status = 'active', wake_at = ${at}, attempts = 0, error = NULL,
      context = CASE WHEN m.retime AND m.waited_since IS NOT NULL THEN runs.context || jsonb_build_object('retimeFrom', m.waited_since) ELSE runs.context - 'retimeFrom' END
        -- its clock goes on from the move, not from where it stood in the old version
        - 'clock' - 'clockEvent' - 'waitUntil' - 'awaitsEvent'
    FROM waymark_moving m WHERE runs.id = m.id AND m.to_node <> ${exitTarget}`.execute(trx);
  await sql`SELECT pg_notify(${wakeChannel}, 'steps')`.execute(trx);
  return { moved: Number(moved.numAffectedRows ?? 0), exited: Number(exited.numAffectedRows ?? 0) };
}
