// The journey graph as stored in Postgres and drawn on the canvas (schema version 1).
import { z } from 'zod';

export const nodeIdSchema = z
  .string()
  .min(1, 'a node id must not be empty')
  .max(64, 'a node id has at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'a node id uses letters, digits, "_" and "-" only');

export const graphNodeSchema = z.object({
  id: nodeIdSchema,
  type: z.string().min(1, 'a node needs a type').max(100),
  position: z.object({ x: z.number().finite(), y: z.number().finite() }),
  config: z.record(z.string(), z.unknown()).default({}),
  label: z.string().max(200).optional(),
});

export const graphEdgeSchema = z.object({
  id: z.string().min(1).max(100),
  source: nodeIdSchema,
  sourcePort: z.string().min(1).max(64).default('out'),
  target: nodeIdSchema,
});

export const journeyGraphSchema = z.object({
  schemaVersion: z.literal(1),
  nodes: z.array(graphNodeSchema).max(2000, 'a journey has at most 2000 nodes'),
  edges: z.array(graphEdgeSchema).max(5000, 'a journey has at most 5000 edges'),
});

export type GraphNode = z.infer<typeof graphNodeSchema>;
export type GraphEdge = z.infer<typeof graphEdgeSchema>;
export type JourneyGraph = z.infer<typeof journeyGraphSchema>;

export const emptyGraph = (): JourneyGraph => ({ schemaVersion: 1, nodes: [], edges: [] });

/** The edge leaving `nodeId` through `port`, if one is wired. */
export function edgeFrom(graph: JourneyGraph, nodeId: string, port: string): GraphEdge | undefined {
  return graph.edges.find((edge) => edge.source === nodeId && edge.sourcePort === port);
}
