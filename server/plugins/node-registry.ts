// The node types this server knows: the built-ins, plus plugins (loaded at start).
import { builtInNodeTypes } from '../../shared/nodes';
import { createRegistry, type NodeTypeDefinition, type NodeTypeRegistry } from '../../shared/node-type';

export function createNodeRegistry(extra: readonly NodeTypeDefinition[] = []): NodeTypeRegistry {
  return createRegistry([...builtInNodeTypes, ...extra]);
}
