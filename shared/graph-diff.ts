// What changed between two graphs (the live version and the draft), for "publish shows what changed".
import type { JourneyGraph } from './graph';

export interface GraphDiff {
  added: string[];
  removed: string[];
  changed: string[];
  edgesAdded: number;
  edgesRemoved: number;
}

const edgeKey = (edge: JourneyGraph['edges'][number]) => `${edge.source}:${edge.sourcePort}->${edge.target}`;
const stable = (value: unknown): string =>
  JSON.stringify(value, (_key, inner) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );

export function diffGraphs(before: JourneyGraph | null, after: JourneyGraph): GraphDiff {
  const old = new Map((before?.nodes ?? []).map((node) => [node.id, node]));
  const now = new Map(after.nodes.map((node) => [node.id, node]));
  const oldEdges = new Set((before?.edges ?? []).map(edgeKey));
  const newEdges = new Set(after.edges.map(edgeKey));
  return {
    added: [...now.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !now.has(id)),
    changed: [...now.values()]
      .filter((node) => {
        const previous = old.get(node.id);
        return (
          previous &&
          (previous.type !== node.type ||
            stable(previous.config) !== stable(node.config) ||
            (previous.label ?? '') !== (node.label ?? ''))
        );
      })
      .map((node) => node.id),
    edgesAdded: [...newEdges].filter((key) => !oldEdges.has(key)).length,
    edgesRemoved: [...oldEdges].filter((key) => !newEdges.has(key)).length,
  };
}
