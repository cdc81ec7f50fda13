import { describe, expect, it } from 'vitest';
import { statsToCsv, type JourneyStats } from '../../server/stats/journey-stats';
import type { JourneyGraph } from '../../shared/graph';

describe('stats CSV export', () => {
  it('neutralises cells a spreadsheet would run as formulas (= + - @), keeping the text', () => {
    const node = {
      entered: 3,
      waiting: 0,
      exited: 0,
      failed: 0,
      converted: 1,
      conversionRate: 1 / 3,
      ports: { '=1+1': { passed: 3, converted: 1, conversionRate: 1 / 3 } },
    };
    const stats = { nodes: { '@id': node, plain: { ...node, ports: {} } } } as unknown as JourneyStats;
    const graph = {
      schemaVersion: 1,
      edges: [],
      nodes: [
        {
          id: '@id',
          type: 'touchpoint.email',
          label: '=HYPERLINK("https://evil.example","Click")',
          position: { x: 0, y: 0 },
          config: {},
        },
        {
          id: 'plain',
          type: 'touchpoint.email',
          label: '-2+3 and "quotes"',
          position: { x: 0, y: 0 },
          config: {},
        },
      ],
    } as unknown as JourneyGraph;
    const lines = statsToCsv(stats, graph).split('\n');
    expect(lines[1]).toBe(`"'@id","'=HYPERLINK(""https://evil.example"",""Click"")","",3,0,,0,0,1,0.3333`);
    expect(lines[2]).toBe(`"'@id","'=HYPERLINK(""https://evil.example"",""Click"")","'=1+1",,,3,,,1,0.3333`);
    expect(lines[3]).toBe(`"plain","'-2+3 and ""quotes""","",3,0,,0,0,1,0.3333`);
  });
});
