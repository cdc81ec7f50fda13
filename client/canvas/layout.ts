// Auto-layout with dagre (a maintained layered-graph layout; journeys are mostly top-down DAGs).
import dagre from '@dagrejs/dagre';
import type { Edge } from '@xyflow/react';
import type { JourneyFlowNode } from './editor-store';

const width = 240;
const height = 90;

export function layoutGraph(nodes: JourneyFlowNode[], edges: Edge[]): JourneyFlowNode[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 60, ranksep: 70 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes)
    graph.setNode(node.id, { width: node.measured?.width ?? width, height: node.measured?.height ?? height });
  for (const edge of edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  return nodes.map((node) => {
    const placed = graph.node(node.id);
    return placed
      ? {
          ...node,
          position: {
            x: Math.round(placed.x - placed.width / 2),
            y: Math.round(placed.y - placed.height / 2),
          },
        }
      : node;
  });
}
