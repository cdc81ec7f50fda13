// Opening a large journey: it opens on its first nodes at a readable size, not shrunk to fit.
// React Flow renders every node it has not measured yet once, on screen or not, so 500 nodes
// would all be built (and thrown away again) before the first paint: the nodes beyond the opening
// view are held back (hidden) at first and handed over a chunk at a time while the browser is
// idle; the canvas is usable from the first paint on.
import type { Node } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/** Nodes handed over per idle moment. */
const chunk = 25;

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/**
 * Where a large journey opens: its first nodes at a readable size (zoom 0.6 to 1), from the top
 * left (centred when they fit across), and which nodes lie beyond that view (with a margin).
 */
export function openingView(
  nodes: readonly Pick<Node, 'id' | 'position'>[],
  first: readonly string[],
  pane: { width: number; height: number },
  size = { width: 220, height: 80 },
): { viewport: Viewport; far: Set<string> } {
  const wanted = new Set(first);
  const anchor = nodes.filter((node) => wanted.has(node.id));
  if (anchor.length === 0) return { viewport: { x: 0, y: 0, zoom: 1 }, far: new Set() };
  const pad = 40;
  const minX = Math.min(...anchor.map((node) => node.position.x));
  const minY = Math.min(...anchor.map((node) => node.position.y));
  const boxWidth = Math.max(...anchor.map((node) => node.position.x)) + size.width - minX;
  const boxHeight = Math.max(...anchor.map((node) => node.position.y)) + size.height - minY;
  const zoom = Math.min(
    1,
    Math.max(0.6, Math.min((pane.width - 2 * pad) / boxWidth, (pane.height - 2 * pad) / boxHeight)),
  );
  const x =
    boxWidth * zoom <= pane.width - 2 * pad
      ? (pane.width - boxWidth * zoom) / 2 - minX * zoom
      : pad - minX * zoom;
  const y = pad - minY * zoom;
  const margin = 300;
  const left = -x / zoom - margin;
  const top = -y / zoom - margin;
  const right = (pane.width - x) / zoom + margin;
  const bottom = (pane.height - y) / zoom + margin;
  const far = nodes.filter(
    (node) =>
      node.position.x + size.width < left ||
      node.position.x > right ||
      node.position.y + size.height < top ||
      node.position.y > bottom,
  );
  return { viewport: { x, y, zoom }, far: new Set(far.map((node) => node.id)) };
}

/**
 * The nodes to give React Flow: while some are held back they are passed hidden, afterwards the
 * editor's own node objects unchanged (so a drag re-renders only the dragged node).
 */
export function useStagedNodes<N extends Node>(
  nodes: N[],
  options: {
    loaded: boolean;
    large: boolean;
    pane: () => { width: number; height: number };
    setViewport(viewport: Viewport): void;
  },
) {
  const [held, setHeld] = useState<Set<string> | null>(null);
  const [opening, setOpening] = useState<Viewport | null>(null);
  const [started, setStarted] = useState(false);
  const { loaded, large, pane, setViewport } = options;

  // Decided once, when the journey has loaded: nodes added later are never held back.
  if (loaded && !started) {
    setStarted(true);
    if (large) {
      const { viewport, far } = openingView(
        nodes,
        nodes.slice(0, 12).map((node) => node.id),
        pane(),
      );
      setOpening(viewport);
      if (far.size > 0) setHeld(far);
    }
  }
  // Applied once: after that the view is the user's.
  const applied = useRef(false);
  useEffect(() => {
    if (!opening || applied.current) return;
    applied.current = true;
    setViewport(opening);
  }, [opening, setViewport]);

  useEffect(() => {
    if (!held) return;
    const idle = window.requestIdleCallback ?? ((callback: () => void) => window.setTimeout(callback, 16));
    const cancel = window.cancelIdleCallback ?? window.clearTimeout;
    const handle = idle(
      () => {
        const rest = [...held].slice(chunk);
        setHeld(rest.length > 0 ? new Set(rest) : null);
      },
      { timeout: 500 },
    );
    return () => cancel(handle);
  }, [held]);

  // The same hidden copy for the same node object: React Flow then skips unchanged nodes, as it
  // does for the editor's own, and a drag meanwhile stays smooth.
  const [copies] = useState(() => new WeakMap<N, N>());
  const staged = useMemo(
    () =>
      held
        ? nodes.map((node) => {
            if (!held.has(node.id)) return node;
            let copy = copies.get(node);
            if (!copy) copies.set(node, (copy = { ...node, hidden: true }));
            return copy;
          })
        : nodes,
    [nodes, held, copies],
  );
  const revealAll = useCallback(() => setHeld(null), []);
  return { nodes: staged, revealAll, staging: held !== null, opensAtStart: started && opening !== null };
}
