import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JourneyGraph } from '../../shared/graph';
import { builtInNodeTypes } from '../../shared/nodes';
import { createRegistry } from '../../shared/node-type';
import { validateGraph } from '../../shared/validate-graph';

const registry = createRegistry(builtInNodeTypes);
const at = { x: 0, y: 0 };

function graph(nodes: JourneyGraph['nodes'], edges: Array<[string, string, string?]>): JourneyGraph {
  return {
    schemaVersion: 1,
    nodes,
    edges: edges.map(([source, target, sourcePort = 'out'], index) => ({
      id: `e${index}`,
      source,
      target,
      sourcePort,
    })),
  };
}

const trigger = { id: 't', type: 'trigger.event', position: at, config: { event: 'Cart Abandoned' } };
const email = (id: string) => ({
  id,
  type: 'touchpoint.email',
  position: at,
  config: { subject: 'Hi', html: '<p>Hi</p>' },
});

function codes(input: unknown) {
  return validateGraph(input, registry).problems.map((problem) => problem.code);
}

describe('journey graph validation', () => {
  it('a trigger wired to an email is valid, and defaults are filled in', () => {
    const result = validateGraph(graph([trigger, email('m')], [['t', 'm']]), registry);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.graph!.nodes[1].config.marketing).toBe(true);
  });

  it('a graph that is not a graph names the bad field', () => {
    const result = validateGraph(
      { schemaVersion: 1, nodes: [{ id: 'a b', type: 'x', position: at }], edges: [] },
      registry,
    );
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ code: 'schema', path: 'nodes.0.id' });
  });

  it('an unknown node type names the node', () => {
    const result = validateGraph(
      graph([trigger, { id: 'x', type: 'nope.nothing', position: at, config: {} }], [['t', 'x']]),
      registry,
    );
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'unknown-type', nodeId: 'x' }));
  });

  it('a bad node config names the node and the field', () => {
    const bad = { id: 'm', type: 'touchpoint.email', position: at, config: { subject: '' } };
    const result = validateGraph(graph([trigger, bad], [['t', 'm']]), registry);
    expect(result.problems).toContainEqual(
      expect.objectContaining({ code: 'config', nodeId: 'm', path: 'nodes.1.config.subject' }),
    );
    expect(result.problems[0].message).toContain('subject');
  });

  it('an edge to a missing node is dangling', () => {
    expect(codes(graph([trigger], [['t', 'ghost']]))).toContain('dangling-edge');
  });

  it('an edge from a port the node does not have is refused', () => {
    expect(codes(graph([trigger, email('m')], [['t', 'm', 'yes']]))).toContain('unknown-port');
  });

  it('a node no trigger leads to is unreachable', () => {
    const result = validateGraph(graph([trigger, email('m'), email('lonely')], [['t', 'm']]), registry);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'unreachable', nodeId: 'lonely' })]);
  });

  it('a trigger with nothing after it has an unwired required port', () => {
    expect(codes(graph([trigger], []))).toEqual(['unwired-port']);
  });

  it('a journey without a trigger is refused', () => {
    expect(codes(graph([email('m')], []))).toContain('no-trigger');
  });

  it('a loop without a wait is refused, a loop through a wait is fine', () => {
    const condition = {
      id: 'c',
      type: 'condition.if',
      position: at,
      config: { condition: { match: 'all', rules: [] } },
    };
    expect(
      codes(
        graph(
          [trigger, condition, email('m')],
          [
            ['t', 'c'],
            ['c', 'm', 'yes'],
            ['m', 'c'],
          ],
        ),
      ),
    ).toEqual(['cycle-without-wait', 'cycle-without-wait']);
    const wait = {
      id: 'w',
      type: 'wait.delay',
      position: at,
      config: { duration: { amount: 1, unit: 'days' } },
    };
    expect(
      codes(
        graph(
          [trigger, condition, email('m'), wait],
          [
            ['t', 'c'],
            ['c', 'm', 'yes'],
            ['m', 'w'],
            ['w', 'c'],
          ],
        ),
      ),
    ).toEqual([]);
  });

  it('an output wired twice is refused', () => {
    expect(
      codes(
        graph(
          [trigger, email('a'), email('b')],
          [
            ['t', 'a'],
            ['t', 'b'],
          ],
        ),
      ),
    ).toContain('port-wired-twice');
  });

  it('duplicate node ids are refused', () => {
    expect(codes(graph([trigger, email('m'), email('m')], [['t', 'm']]))).toContain('duplicate-node');
  });

  it('an incoming edge into a trigger is refused', () => {
    expect(
      codes(
        graph(
          [trigger, email('m')],
          [
            ['t', 'm'],
            ['m', 't'],
          ],
        ),
      ),
    ).toContain('edge-into-trigger');
  });

  it('no random input crashes the validator', () => {
    const types = [...registry.keys(), 'unknown.type'];
    const nodeArb = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      type: fc.constantFrom(...types),
      position: fc.record({ x: fc.integer(), y: fc.integer() }),
      config: fc.oneof(fc.constant({}), fc.dictionary(fc.string(), fc.jsonValue())),
    });
    const edgeArb = fc.record({
      id: fc.string({ minLength: 1 }),
      source: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'x'),
      target: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'x'),
      sourcePort: fc.constantFrom('out', 'yes', 'no', 'event', 'timeout', 'else'),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            schemaVersion: fc.constant(1),
            nodes: fc.array(nodeArb, { maxLength: 8 }),
            edges: fc.array(edgeArb, { maxLength: 12 }),
          }),
          fc.anything(),
        ),
        (input) => {
          const result = validateGraph(input, registry);
          expect(Array.isArray(result.problems)).toBe(true);
          expect(result.ok).toBe(result.problems.length === 0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('journey templates', () => {
  it('every template is a valid journey', async () => {
    const { journeyTemplates } = await import('../../shared/templates');
    expect(journeyTemplates).toHaveLength(7);
    for (const template of journeyTemplates) {
      expect({ id: template.id, problems: validateGraph(template.graph, registry).problems }).toEqual({
        id: template.id,
        problems: [],
      });
    }
  });
});
