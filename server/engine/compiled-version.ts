// A published version prepared for the interpreter: nodes by id with parsed config, edges by port.
// Versions are immutable, so they are cached by id.
import type { JourneyGraph } from '../../shared/graph';
import type { NodeTypeDefinition, NodeTypeRegistry } from '../../shared/node-type';
import type { Executor } from '../db/database';

export interface CompiledNode {
  id: string;
  type: string;
  definition: NodeTypeDefinition | undefined;
  config: unknown;
  configError: string | null;
}

export interface CompiledVersion {
  id: string;
  journeyId: string;
  workspaceId: string;
  nodes: Map<string, CompiledNode>;
  next: Map<string, string>;
}

const cache = new Map<string, CompiledVersion>();
const cacheLimit = 2000;

export function compileVersion(
  row: { id: string; journey_id: string; workspace_id: string; graph: unknown },
  registry: NodeTypeRegistry,
): CompiledVersion {
  const graph = row.graph as JourneyGraph;
  const nodes = new Map<string, CompiledNode>();
  for (const node of graph.nodes) {
    const definition = registry.get(node.type);
    // Parsing again fills defaults a newer node-type version added as optional fields.
    const parsed = definition?.config.safeParse(node.config ?? {});
    nodes.set(node.id, {
      id: node.id,
      type: node.type,
      definition,
      config: parsed?.success ? parsed.data : node.config,
      configError: !definition
        ? `node type "${node.type}" is not installed`
        : parsed && !parsed.success
          ? parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : null,
    });
  }
  const next = new Map<string, string>();
  for (const edge of graph.edges) next.set(`${edge.source}\u0000${edge.sourcePort}`, edge.target);
  return { id: row.id, journeyId: row.journey_id, workspaceId: row.workspace_id, nodes, next };
}

export async function loadVersions(
  db: Executor,
  ids: string[],
  registry: NodeTypeRegistry,
): Promise<Map<string, CompiledVersion>> {
  const result = new Map<string, CompiledVersion>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const cached = cache.get(id);
    if (cached) result.set(id, cached);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const rows = await db
      .selectFrom('journey_versions')
      .select(['id', 'journey_id', 'workspace_id', 'graph'])
      .where('id', 'in', missing)
      .execute();
    for (const row of rows) {
      const compiled = compileVersion(row, registry);
      if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value!);
      cache.set(row.id, compiled);
      result.set(row.id, compiled);
    }
  }
  return result;
}
