// A journey keeps working when a plugin's node type gains optional config fields.
import { describe, expect, it } from 'vitest';
import { compileVersion } from '../../server/engine/compiled-version';
import { createRegistry, defineNodeType } from '../../shared/node-type';
import { z } from '../../shared/sdk';
import { validateGraph } from '../../shared/validate-graph';

const base = {
  category: 'action' as const,
  label: 'Task',
  description: '',
  icon: '📋',
  ports: () => [{ id: 'out', label: 'next' }],
  summary: () => 'task',
  execute: () => ({ port: 'out' }),
};
const v1 = defineNodeType({
  ...base,
  type: 'acme.task',
  version: 1,
  config: z.object({ title: z.string() }),
});
const v2 = defineNodeType({
  ...base,
  type: 'acme.task',
  version: 2,
  config: z.object({
    title: z.string(),
    priority: z.enum(['low', 'high']).default('low'),
    due: z.number().optional(),
  }),
});
const trigger = defineNodeType({
  ...base,
  type: 'acme.start',
  version: 1,
  category: 'trigger',
  config: z.object({}),
});

const graph = {
  schemaVersion: 1,
  nodes: [
    { id: 't', type: 'acme.start', position: { x: 0, y: 0 }, config: {} },
    { id: 'n', type: 'acme.task', position: { x: 0, y: 100 }, config: { title: 'Call' } },
  ],
  edges: [{ id: 'e', source: 't', sourcePort: 'out', target: 'n' }],
};

describe('node type versions', () => {
  it('a graph published with version 1 validates and runs with version 2, new fields taking their defaults', () => {
    const published = validateGraph(graph, createRegistry([trigger, v1]));
    expect(published.ok).toBe(true);
    const compiled = compileVersion(
      { id: 'v', journey_id: 'j', workspace_id: 'w', graph: published.graph },
      createRegistry([trigger, v2]),
    );
    expect(compiled.nodes.get('n')).toMatchObject({
      configError: null,
      config: { title: 'Call', priority: 'low' },
    });
    expect(validateGraph(published.graph, createRegistry([trigger, v2])).ok).toBe(true);
  });

  it('a required new field is reported on the node instead of failing customers silently', () => {
    const breaking = defineNodeType({
      ...base,
      type: 'acme.task',
      version: 3,
      config: z.object({ title: z.string(), owner: z.string() }),
    });
    const compiled = compileVersion(
      { id: 'v', journey_id: 'j', workspace_id: 'w', graph },
      createRegistry([trigger, breaking]),
    );
    expect(compiled.nodes.get('n')!.configError).toContain('owner');
  });
});
