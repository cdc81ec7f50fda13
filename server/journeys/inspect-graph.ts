// What the canvas needs to know about a graph while it is edited: the problems (as publish would
// find them) and, per node, its summary line and output ports — computed by the node types
// themselves, so plugin nodes get them too without a client build.
import type { NodeTypeRegistry, PortSpec } from '../../shared/node-type';
import { validateGraph, type GraphProblem } from '../../shared/validate-graph';

export interface NodeInspection {
  summary: string;
  ports: PortSpec[];
}

export function inspectGraph(input: unknown, registry: NodeTypeRegistry): { problems: GraphProblem[]; nodes: Record<string, NodeInspection> } {
  const validation = validateGraph(input, registry);
  const nodes: Record<string, NodeInspection> = {};
  for (const node of validation.graph?.nodes ?? []) {
    const definition = registry.get(node.type);
    if (!definition) continue;
    const parsed = definition.config.safeParse(node.config ?? {});
    if (!parsed.success) continue;
    try {
      nodes[node.id] = { summary: definition.summary(parsed.data), ports: definition.ports(parsed.data) };
    } catch {
      // A plugin's summary that throws must not break the canvas.
    }
  }
  return { problems: validation.problems, nodes };
}
