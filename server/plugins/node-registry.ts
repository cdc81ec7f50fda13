// The node types this server knows: the built-ins, plus plugins (loaded at start).
import { builtInNodeTypes } from '../../shared/nodes';
import { createRegistry, type NodeTypeDefinition, type NodeTypeRegistry } from '../../shared/node-type';
import type { Executor } from '../db/database';
import { configuredPlugins, loadPlugins, PluginError } from './load-plugins';

export function createNodeRegistry(extra: readonly NodeTypeDefinition[] = []): NodeTypeRegistry {
  return createRegistry([...builtInNodeTypes, ...extra]);
}

/** Built-ins and the configured plugins, all checked before any is registered. */
export async function loadNodeRegistry(
  pluginsFromEnvironment: string | undefined,
): Promise<NodeTypeRegistry> {
  const names = configuredPlugins(pluginsFromEnvironment);
  const plugins = await loadPlugins(names, new Set(builtInNodeTypes.map((type) => type.type)));
  return createNodeRegistry(plugins);
}

/**
 * Removing a node type that live or paused journeys use is refused: start-up stops with the
 * list of journeys, instead of their customers failing one by one.
 */
export async function checkTypesInUse(db: Executor, registry: NodeTypeRegistry): Promise<void> {
  const rows = await db
    .selectFrom('journeys as j')
    .innerJoin('journey_versions as v', 'v.id', 'j.live_version_id')
    .select(['j.id', 'j.name', 'v.graph'])
    .where('j.status', 'in', ['live', 'paused'])
    .execute();
  const missing: string[] = [];
  for (const row of rows) {
    const types = new Set(
      (row.graph as { nodes: Array<{ type: string }> }).nodes
        .map((node) => node.type)
        .filter((type) => !registry.has(type)),
    );
    if (types.size > 0) missing.push(`"${row.name}" (${row.id}) uses ${[...types].join(', ')}`);
  }
  if (missing.length > 0) {
    throw new PluginError(
      'configuration',
      `node types that live journeys use are not installed — pause or archive these journeys, or load the plugin again:\n  - ${missing.join('\n  - ')}`,
    );
  }
}
