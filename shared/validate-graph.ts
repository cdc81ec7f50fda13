// Graph validation: runs in the canvas (through the server), on publish and in the engine.
import type { z } from 'zod';
import { journeyGraphSchema, type JourneyGraph } from './graph';
import type { NodeTypeRegistry, PortSpec } from './node-type';

export interface GraphProblem {
  code:
    | 'schema'
    | 'duplicate-node'
    | 'duplicate-edge'
    | 'unknown-type'
    | 'config'
    | 'dangling-edge'
    | 'unknown-port'
    | 'edge-into-trigger'
    | 'port-wired-twice'
    | 'no-trigger'
    | 'unreachable'
    | 'unwired-port'
    | 'cycle-without-wait';
  message: string;
  /** Where the problem is, as a path into the graph JSON (`nodes.3.config.subject`). */
  path: string;
  nodeId?: string;
  edgeId?: string;
  /** For a node's settings: the field (`subject`, `variants.1.percent`) and what is wrong with it, as its type says. */
  field?: string;
  detail?: string;
  /** For a port problem: the port's id. */
  port?: string;
}

export type GraphValidation =
  | { ok: true; graph: JourneyGraph; problems: [] }
  | { ok: false; graph: JourneyGraph | null; problems: GraphProblem[] };

export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.');
}

function zodProblems(
  error: z.ZodError,
  prefix: string,
  code: GraphProblem['code'],
  nodeId?: string,
): GraphProblem[] {
  return error.issues.map((issue) => {
    const path = [prefix, formatIssuePath(issue.path)].filter(Boolean).join('.');
    return {
      code,
      message: `${path || 'graph'}: ${issue.message}`,
      path,
      nodeId,
      field: formatIssuePath(issue.path),
      detail: issue.message,
    };
  });
}

/**
 * Checks a journey graph against the node types it uses. Never throws, whatever the input.
 * On success returns the graph with every node's config parsed (defaults filled in).
 */
export function validateGraph(input: unknown, registry: NodeTypeRegistry): GraphValidation {
  const parsed = journeyGraphSchema.safeParse(input);
  if (!parsed.success) return { ok: false, graph: null, problems: zodProblems(parsed.error, '', 'schema') };
  const graph: JourneyGraph = { ...parsed.data, nodes: parsed.data.nodes.map((node) => ({ ...node })) };
  const problems: GraphProblem[] = [];

  const nodesById = new Map<string, number>();
  const portsById = new Map<string, PortSpec[]>();
  const waits = new Set<string>();
  const triggers: string[] = [];

  graph.nodes.forEach((node, index) => {
    const at = `nodes.${index}`;
    if (nodesById.has(node.id)) {
      problems.push({
        code: 'duplicate-node',
        message: `node id "${node.id}" is used twice`,
        path: `${at}.id`,
        nodeId: node.id,
      });
      return;
    }
    nodesById.set(node.id, index);
    const definition = registry.get(node.type);
    if (!definition) {
      problems.push({
        code: 'unknown-type',
        message: `node "${node.id}" has unknown type "${node.type}"`,
        path: `${at}.type`,
        nodeId: node.id,
      });
      return;
    }
    const config = definition.config.safeParse(node.config ?? {});
    if (!config.success) {
      for (const problem of zodProblems(config.error, `${at}.config`, 'config', node.id)) {
        problems.push({
          ...problem,
          message: `node "${node.id}" (${definition.label}): ${problem.message.replace(`${at}.config.`, '').replace(`${at}.config: `, '')}`,
        });
      }
      return;
    }
    node.config = config.data as Record<string, unknown>;
    portsById.set(node.id, definition.ports(config.data));
    if (definition.waits) waits.add(node.id);
    if (definition.category === 'trigger') triggers.push(node.id);
  });

  const edgeIds = new Set<string>();
  const wiredPorts = new Set<string>();
  const successors = new Map<string, string[]>();
  graph.edges.forEach((edge, index) => {
    const at = `edges.${index}`;
    if (edgeIds.has(edge.id))
      problems.push({
        code: 'duplicate-edge',
        message: `edge id "${edge.id}" is used twice`,
        path: `${at}.id`,
        edgeId: edge.id,
      });
    edgeIds.add(edge.id);
    for (const end of ['source', 'target'] as const) {
      if (!nodesById.has(edge[end])) {
        problems.push({
          code: 'dangling-edge',
          message: `edge "${edge.id}" ${end === 'source' ? 'starts at' : 'points to'} missing node "${edge[end]}"`,
          path: `${at}.${end}`,
          edgeId: edge.id,
        });
      }
    }
    const sourcePorts = portsById.get(edge.source);
    if (sourcePorts && !sourcePorts.some((port) => port.id === edge.sourcePort)) {
      problems.push({
        code: 'unknown-port',
        message: `node "${edge.source}" has no output "${edge.sourcePort}"`,
        path: `${at}.sourcePort`,
        nodeId: edge.source,
        edgeId: edge.id,
        port: edge.sourcePort,
      });
    }
    if (triggers.includes(edge.target)) {
      problems.push({
        code: 'edge-into-trigger',
        message: `trigger "${edge.target}" cannot have an incoming connection`,
        path: `${at}.target`,
        nodeId: edge.target,
        edgeId: edge.id,
      });
    }
    const portKey = `${edge.source}\u0000${edge.sourcePort}`;
    if (wiredPorts.has(portKey)) {
      problems.push({
        code: 'port-wired-twice',
        message: `output "${edge.sourcePort}" of node "${edge.source}" is connected twice`,
        path: `${at}`,
        nodeId: edge.source,
        edgeId: edge.id,
        port: edge.sourcePort,
      });
    }
    wiredPorts.add(portKey);
    if (nodesById.has(edge.target))
      successors.set(edge.source, [...(successors.get(edge.source) ?? []), edge.target]);
  });

  for (const [nodeId, ports] of portsById) {
    for (const port of ports) {
      if (port.required && !wiredPorts.has(`${nodeId}\u0000${port.id}`)) {
        problems.push({
          code: 'unwired-port',
          message: `output "${port.label}" of node "${nodeId}" must be connected`,
          path: `nodes.${nodesById.get(nodeId)}`,
          nodeId,
          port: port.id,
        });
      }
    }
  }

  if (
    graph.nodes.length > 0 &&
    triggers.length === 0 &&
    problems.every((p) => p.code !== 'unknown-type' && p.code !== 'config')
  ) {
    problems.push({ code: 'no-trigger', message: 'the journey needs a trigger to start it', path: 'nodes' });
  }

  // Reachability from the triggers.
  const reached = new Set<string>(triggers);
  const queue = [...triggers];
  while (queue.length > 0) {
    for (const next of successors.get(queue.pop()!) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  if (triggers.length > 0) {
    for (const [nodeId, index] of nodesById) {
      if (!reached.has(nodeId))
        problems.push({
          code: 'unreachable',
          message: `node "${nodeId}" cannot be reached from a trigger`,
          path: `nodes.${index}`,
          nodeId,
        });
    }
  }

  // A cycle must pass a waiting node, or a run could spin forever in one step.
  for (const nodeId of findCyclesWithoutWait(nodesById, successors, waits)) {
    problems.push({
      code: 'cycle-without-wait',
      message: `node "${nodeId}" is on a loop with no wait in it`,
      path: `nodes.${nodesById.get(nodeId)}`,
      nodeId,
    });
  }

  return problems.length === 0 ? { ok: true, graph, problems: [] } : { ok: false, graph, problems };
}

/** Nodes on a cycle made only of non-waiting nodes (Tarjan's strongly connected components). */
function findCyclesWithoutWait(
  nodes: Map<string, number>,
  successors: Map<string, string[]>,
  waits: Set<string>,
): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const offending: string[] = [];
  let counter = 0;
  const nonWaitingNext = (id: string) =>
    (successors.get(id) ?? []).filter((next) => !waits.has(next) && nodes.has(next));

  for (const start of nodes.keys()) {
    if (waits.has(start) || index.has(start)) continue;
    // Iterative DFS so a long chain cannot overflow the stack.
    const work: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter);
    counter++;
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const next = nonWaitingNext(frame.id);
      if (frame.next < next.length) {
        const target = next[frame.next++];
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter);
          counter++;
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        const selfLoop = component.length === 1 && nonWaitingNext(frame.id).includes(frame.id);
        if (component.length > 1 || selfLoop) offending.push(...component.sort());
      }
    }
  }
  return offending;
}
