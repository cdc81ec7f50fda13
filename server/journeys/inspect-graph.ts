// What the canvas needs to know about a graph while it is edited: the problems (as publish would
// find them) and, per node, its summary line and output ports — computed by the node types
// themselves, so plugin nodes get them too without a client build.
import type { NodeTypeRegistry, PortSpec } from '../../shared/node-type';
import { validateGraph, type GraphProblem } from '../../shared/validate-graph';

export interface NodeInspection {
  summary: string;
  ports: PortSpec[];
}

/** A node's summary line and ports, from its type; undefined when its settings are invalid or the type's code throws. */
export function inspectNode(node: { type: string; config?: unknown }, registry: NodeTypeRegistry): NodeInspection | undefined {
  const definition = registry.get(node.type);
  const parsed = definition?.config.safeParse(node.config ?? {});
  if (!definition || !parsed?.success) return undefined;
  try {
    return { summary: definition.summary(parsed.data), ports: definition.ports(parsed.data) };
  } catch {
    return undefined; // a plugin's summary or ports that throw must not break the canvas
  }
}

export function inspectGraph(input: unknown, registry: NodeTypeRegistry): { problems: GraphProblem[]; nodes: Record<string, NodeInspection> } {
  const validation = validateGraph(input, registry);
  const nodes: Record<string, NodeInspection> = {};
  for (const node of validation.graph?.nodes ?? []) {
    const inspection = inspectNode(node, registry);
    if (inspection) nodes[node.id] = inspection;
  }
  return { problems: validation.problems, nodes };
}
