// Where a large journey opens on the canvas, and which nodes wait until the browser is idle.
import { describe, expect, it } from 'vitest';
import { openingView } from '../../client/canvas/use-staged-nodes';

const grid = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `n${i}`,
    position: { x: (i % 10) * 260, y: Math.floor(i / 10) * 140 },
  }));

describe('opening a large journey', () => {
  it('shows its first nodes from the top left at a readable zoom, and holds back only what is far beyond the view', () => {
    const nodes = grid(500);
    const { viewport, far } = openingView(
      nodes,
      nodes.slice(0, 12).map((node) => node.id),
      { width: 1000, height: 800 },
    );
    expect(viewport.zoom).toBe(0.6);
    expect(viewport.x).toBe(40);
    expect(viewport.y).toBe(40);
    // On screen: x up to (1000 - 40) / 0.6 = 1600, y up to (800 - 40) / 0.6 ≈ 1267, plus a 300 margin.
    expect(far.has('n0')).toBe(false);
    expect(far.has('n66')).toBe(false); // x 1560, y 840
    expect(far.has('n9')).toBe(true); // x 2340: beyond the right edge and the margin
    expect(far.has('n200')).toBe(true); // y 2800
    expect(far.size).toBeGreaterThan(400);
  });

  it('centres first nodes that fit across, at most at zoom 1', () => {
    const nodes = [
      { id: 'a', position: { x: 100, y: 50 } },
      { id: 'b', position: { x: 100, y: 200 } },
    ];
    const { viewport, far } = openingView(nodes, ['a', 'b'], { width: 1000, height: 800 });
    expect(viewport.zoom).toBe(1);
    expect(viewport.x).toBe((1000 - 220) / 2 - 100);
    expect(viewport.y).toBe(40 - 50);
    expect(far.size).toBe(0);
  });
});
