// What the canvas needs to know about a graph while it is edited: the problems (as publish would
// find them) and, per node, its summary line and output ports — computed by the node types
// themselves, so plugin nodes get them too without a client build.
import {
  localizedPorts,
  localizedSummary,
  type Locale,
  type NodeTypeRegistry,
  type PortSpec,
} from '../../shared/node-type';
import { validateGraph, type GraphProblem } from '../../shared/validate-graph';
import { readableProblems } from './problem-texts';

export interface NodeInspection {
  summary: string;
  ports: PortSpec[];
}

/** A node's summary line and ports, from its type; undefined when its settings are invalid or the type's code throws. */
export function inspectNode(
  node: { type: string; config?: unknown },
  registry: NodeTypeRegistry,
  locale: Locale = 'en',
): NodeInspection | undefined {
  const definition = registry.get(node.type);
  const parsed = definition?.config.safeParse(node.config ?? {});
  if (!definition || !parsed?.success) return undefined;
  try {
    return {
      summary: localizedSummary(definition, parsed.data, locale),
      ports: localizedPorts(definition, parsed.data, locale),
    };
  } catch {
    return undefined; // a plugin's summary or ports that throw must not break the canvas
  }
}

export function inspectGraph(
  input: unknown,
  registry: NodeTypeRegistry,
  locale: Locale = 'en',
): { problems: GraphProblem[]; nodes: Record<string, NodeInspection> } {
  const validation = validateGraph(input, registry);
  const nodes: Record<string, NodeInspection> = {};
  for (const node of validation.graph?.nodes ?? []) {
    const inspection = inspectNode(node, registry, locale);
    if (inspection) nodes[node.id] = inspection;
  }
  // The nodes as sent (a node whose settings are invalid keeps its label and type).
  const sent = Array.isArray((input as { nodes?: unknown })?.nodes)
    ? ((input as { nodes: unknown[] }).nodes.filter((node) => node && typeof node === 'object') as Array<{
        id: string;
        type: string;
        label?: string;
        config?: unknown;
      }>)
    : [];
  return {
    problems: readableProblems(validation.problems, validation.graph?.nodes ?? sent, registry, locale),
    nodes,
  };
}
