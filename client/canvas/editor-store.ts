// The canvas state in one store: nodes, edges, undo/redo history, clipboard, and what the server
// said about the graph (problems, summaries, ports).
import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from '@xyflow/react';
import { create } from 'zustand';
import type { JourneyGraph } from '../../shared/graph';
import type { PortSpec } from '../../shared/node-type';
import type { GraphProblem } from '../../shared/validate-graph';
import { layoutGraph } from './layout';

export interface JourneyNodeData extends Record<string, unknown> {
  type: string;
  config: Record<string, unknown>;
  label?: string;
}
export type JourneyFlowNode = Node<JourneyNodeData, 'journey'>;

interface Snapshot {
  nodes: JourneyFlowNode[];
  edges: Edge[];
}
export interface Inspection {
  problems: GraphProblem[];
  nodes: Record<string, { summary: string; ports: PortSpec[] }>;
}

interface EditorState {
  nodes: JourneyFlowNode[];
  edges: Edge[];
  past: Snapshot[];
  future: Snapshot[];
  /** Bumped on every change of content (not selection): autosave and inspection follow it. */
  revision: number;
  inspection: Inspection;
  lastConfigCommit: { nodeId: string; at: number } | null;
  load(graph: JourneyGraph): void;
  commit(): void;
  onNodesChange(changes: NodeChange<JourneyFlowNode>[]): void;
  onEdgesChange(changes: EdgeChange[]): void;
  onConnect(connection: Connection): void;
  addNode(type: string, config: Record<string, unknown>, position: { x: number; y: number }): string;
  insertOnEdge(
    edgeId: string,
    type: string,
    config: Record<string, unknown>,
    firstPort: string,
    position: { x: number; y: number },
  ): string;
  /** Adds a node connected from `sourceId`'s port (one undo step). */
  addNodeAfter(
    sourceId: string,
    port: string,
    type: string,
    config: Record<string, unknown>,
    position: { x: number; y: number },
  ): string;
  updateNode(nodeId: string, patch: { config?: Record<string, unknown>; label?: string }): void;
  deleteSelection(): void;
  undo(): void;
  redo(): void;
  copySelection(): number;
  paste(): number;
  autoLayout(): void;
  setInspection(inspection: Inspection): void;
  toGraph(): JourneyGraph;
}

const historyLimit = 100;

/**
 * The Delete key removes a node and its edges in two calls (edges, then nodes — or the other way
 * round): one undo step for both. A removal opens a group that the next task closes.
 */
let removalGroupOpen = false;
function commitRemoval(commit: () => void): void {
  if (removalGroupOpen) return;
  removalGroupOpen = true;
  commit();
  setTimeout(() => {
    removalGroupOpen = false;
  }, 0);
}
const clipboardKey = 'waymark.clipboard';
const snapshot = (state: Pick<EditorState, 'nodes' | 'edges'>): Snapshot => ({
  nodes: state.nodes,
  edges: state.edges,
});

function nextId(prefix: string, taken: Set<string>): string {
  const base = prefix.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) return id;
  }
}

export function edgeId(source: string, port: string, target: string): string {
  return `e-${source}-${port}-${target}`.slice(0, 100);
}

function toFlowNode(node: JourneyGraph['nodes'][number]): JourneyFlowNode {
  return {
    id: node.id,
    type: 'journey',
    position: node.position,
    data: { type: node.type, config: node.config ?? {}, label: node.label },
  };
}

function toFlowEdge(edge: JourneyGraph['edges'][number]): Edge {
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourcePort,
    targetHandle: 'in',
  };
}

export const useEditor = create<EditorState>((set, get) => ({
  nodes: [],
  edges: [],
  past: [],
  future: [],
  revision: 0,
  inspection: { problems: [], nodes: {} },
  lastConfigCommit: null,

  load: (graph) =>
    set({
      nodes: graph.nodes.map(toFlowNode),
      edges: graph.edges.map(toFlowEdge),
      past: [],
      future: [],
      revision: 0,
      inspection: { problems: [], nodes: {} },
    }),

  commit: () =>
    set((state) => ({
      past: [...state.past.slice(-historyLimit), snapshot(state)],
      future: [],
      lastConfigCommit: null,
    })),

  onNodesChange: (changes) => {
    const content = changes.some(
      (change) =>
        change.type === 'remove' ||
        change.type === 'add' ||
        (change.type === 'position' && change.dragging === false),
    );
    if (changes.some((change) => change.type === 'remove')) commitRemoval(get().commit);
    set((state) => ({
      nodes: applyNodeChanges(changes, state.nodes),
      revision: content ? state.revision + 1 : state.revision,
    }));
  },

  onEdgesChange: (changes) => {
    const content = changes.some((change) => change.type === 'remove' || change.type === 'add');
    if (changes.some((change) => change.type === 'remove')) commitRemoval(get().commit);
    else if (content) get().commit();
    set((state) => ({
      edges: applyEdgeChanges(changes, state.edges),
      revision: content ? state.revision + 1 : state.revision,
    }));
  },

  onConnect: (connection) => {
    get().commit();
    const port = connection.sourceHandle ?? 'out';
    set((state) => ({
      edges: addEdge(
        {
          ...connection,
          id: edgeId(connection.source, port, connection.target),
          sourceHandle: port,
          targetHandle: 'in',
        },
        state.edges,
      ),
      revision: state.revision + 1,
    }));
  },

  addNode: (type, config, position) => {
    get().commit();
    const id = nextId(type.split('.').pop() ?? 'node', new Set(get().nodes.map((node) => node.id)));
    set((state) => ({
      nodes: [
        ...state.nodes.map((node) => ({ ...node, selected: false })),
        { id, type: 'journey', position, data: { type, config }, selected: true },
      ],
      revision: state.revision + 1,
    }));
    return id;
  },

  addNodeAfter: (sourceId, port, type, config, position) => {
    const id = get().addNode(type, config, position);
    set((state) => ({
      edges: [
        ...state.edges,
        {
          id: edgeId(sourceId, port, id),
          source: sourceId,
          sourceHandle: port,
          target: id,
          targetHandle: 'in',
        },
      ],
    }));
    return id;
  },

  insertOnEdge: (edgeIdToSplit, type, config, firstPort, position) => {
    const edge = get().edges.find((candidate) => candidate.id === edgeIdToSplit);
    if (!edge) return get().addNode(type, config, position);
    const id = get().addNode(type, config, position);
    const port = edge.sourceHandle ?? 'out';
    set((state) => ({
      edges: [
        ...state.edges.filter((candidate) => candidate.id !== edge.id),
        {
          id: edgeId(edge.source, port, id),
          source: edge.source,
          sourceHandle: port,
          target: id,
          targetHandle: 'in',
        },
        {
          id: edgeId(id, firstPort, edge.target),
          source: id,
          sourceHandle: firstPort,
          target: edge.target,
          targetHandle: 'in',
        },
      ],
    }));
    return id;
  },

  updateNode: (nodeId, patch) => {
    // Typing in one node's form is one undo step, not one per keystroke.
    const last = get().lastConfigCommit;
    if (!last || last.nodeId !== nodeId || Date.now() - last.at > 1500) {
      get().commit();
    }
    set((state) => ({
      lastConfigCommit: { nodeId, at: Date.now() },
      nodes: state.nodes.map((node) =>
        node.id === nodeId
          ? {
              ...node,
              data: {
                ...node.data,
                ...(patch.config ? { config: patch.config } : {}),
                ...('label' in patch ? { label: patch.label } : {}),
              },
            }
          : node,
      ),
      revision: state.revision + 1,
    }));
  },

  deleteSelection: () => {
    const { nodes, edges } = get();
    const removed = new Set(nodes.filter((node) => node.selected).map((node) => node.id));
    if (removed.size === 0 && !edges.some((edge) => edge.selected)) return;
    get().commit();
    set((state) => ({
      nodes: state.nodes.filter((node) => !removed.has(node.id)),
      edges: state.edges.filter(
        (edge) => !edge.selected && !removed.has(edge.source) && !removed.has(edge.target),
      ),
      revision: state.revision + 1,
    }));
  },

  undo: () => {
    const { past } = get();
    if (past.length === 0) return;
    set((state) => ({
      ...past[past.length - 1],
      past: past.slice(0, -1),
      future: [snapshot(state), ...state.future],
      revision: state.revision + 1,
      lastConfigCommit: null,
    }));
  },

  redo: () => {
    const { future } = get();
    if (future.length === 0) return;
    set((state) => ({
      ...future[0],
      future: future.slice(1),
      past: [...state.past, snapshot(state)],
      revision: state.revision + 1,
      lastConfigCommit: null,
    }));
  },

  copySelection: () => {
    const { nodes, edges } = get();
    const selected = nodes.filter((node) => node.selected);
    const ids = new Set(selected.map((node) => node.id));
    const inner = edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target));
    // localStorage, so a copy can be pasted into another journey (another tab too).
    localStorage.setItem(
      clipboardKey,
      JSON.stringify({
        nodes: selected.map(({ id, position, data }) => ({ id, position, data })),
        edges: inner.map(({ source, target, sourceHandle }) => ({ source, target, sourceHandle })),
      }),
    );
    return selected.length;
  },

  paste: () => {
    const raw = localStorage.getItem(clipboardKey);
    if (!raw) return 0;
    const clip = JSON.parse(raw) as {
      nodes: Array<Pick<JourneyFlowNode, 'id' | 'position' | 'data'>>;
      edges: Array<{ source: string; target: string; sourceHandle: string }>;
    };
    if (clip.nodes.length === 0) return 0;
    get().commit();
    const taken = new Set(get().nodes.map((node) => node.id));
    const renamed = new Map<string, string>();
    for (const node of clip.nodes) {
      const id = nextId(node.id.replace(/-\d+$/, ''), taken);
      taken.add(id);
      renamed.set(node.id, id);
    }
    set((state) => ({
      nodes: [
        ...state.nodes.map((node) => ({ ...node, selected: false })),
        ...clip.nodes.map((node) => ({
          id: renamed.get(node.id)!,
          type: 'journey' as const,
          position: { x: node.position.x + 40, y: node.position.y + 40 },
          data: structuredClone(node.data),
          selected: true,
        })),
      ],
      edges: [
        ...state.edges,
        ...clip.edges.map((edge) => {
          const source = renamed.get(edge.source)!;
          const target = renamed.get(edge.target)!;
          return {
            id: edgeId(source, edge.sourceHandle, target),
            source,
            target,
            sourceHandle: edge.sourceHandle,
            targetHandle: 'in',
          };
        }),
      ],
      revision: state.revision + 1,
    }));
    return clip.nodes.length;
  },

  autoLayout: () => {
    get().commit();
    set((state) => ({ nodes: layoutGraph(state.nodes, state.edges), revision: state.revision + 1 }));
  },

  setInspection: (inspection) => set({ inspection }),

  toGraph: () => {
    const { nodes, edges } = get();
    return {
      schemaVersion: 1,
      nodes: nodes.map((node) => ({
        id: node.id,
        type: node.data.type,
        position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
        config: node.data.config,
        ...(node.data.label ? { label: node.data.label } : {}),
      })),
      edges: edges.map((edge) => ({
        id: edge.id,
        source: edge.source,
        sourcePort: edge.sourceHandle ?? 'out',
        target: edge.target,
      })),
    };
  },
}));
