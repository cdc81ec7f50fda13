// Custom node types: the example plugin loaded into a running server runs a journey; a bad
// plugin stops start-up naming it; a type that live journeys use cannot silently disappear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugins } from '../../server/plugins/load-plugins';
import { apiSession, startAppProcess, type AppProcess } from '../support/app-process';
import { createTestDatabase, eventually, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let app: AppProcess | undefined;
const plugin = './server/plugins/examples/acme-crm.ts';

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await app?.stop();
  await database?.drop();
});

async function call<T>(procedure: string, input: unknown, method: 'GET' | 'POST' = 'POST'): Promise<T> {
  const session = await apiSession(app!.url);
  return method === 'GET' ? session.query<T>(procedure, input) : session.mutate<T>(procedure, input);
}

describe('plugins', () => {
  it('the example plugin loads at start, appears among the node types, validates and runs in a journey', async () => {
    app = await startAppProcess({
      DATABASE_URL: database.url,
      WAYMARK_PLUGINS: plugin,
      WAYMARK_WRITE_KEY: 'wk_plugin-test-key',
    });
    const types = await call<
      Array<{ type: string; category: string; configSchema: { properties: Record<string, unknown> } }>
    >('nodeTypes.list', undefined, 'GET');
    const task = types.find((type) => type.type === 'acme.create-crm-task')!;
    expect(task.category).toBe('action');
    expect(Object.keys(task.configSchema.properties)).toEqual(['endpoint', 'title', 'dueInDays', 'priority']);
    expect(types.find((type) => type.type === 'acme.score-lead')).toBeDefined();

    const graph = {
      schemaVersion: 1,
      nodes: [
        { id: 't', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Demo Requested' } },
        { id: 'score', type: 'acme.score-lead', position: { x: 0, y: 120 }, config: { threshold: 50 } },
        {
          id: 'task',
          type: 'acme.create-crm-task',
          position: { x: 0, y: 240 },
          config: { title: 'Call back', dueInDays: 1 },
        },
      ],
      edges: [
        { id: 'e1', source: 't', sourcePort: 'out', target: 'score' },
        { id: 'e2', source: 'score', sourcePort: 'hot', target: 'task' },
      ],
    };
    const bad = {
      ...graph,
      nodes: graph.nodes.map((node) =>
        node.id === 'task' ? { ...node, config: { endpoint: 'not a url' } } : node,
      ),
    };
    await expect(
      call('journeys.import', {
        file: { waymark: 'journey', formatVersion: 1, name: 'Bad', graph: bad },
        publish: true,
      }),
    ).rejects.toThrow(/node "task".*endpoint/);
    const journey = await call<{ id: string }>('journeys.import', {
      file: { waymark: 'journey', formatVersion: 1, name: 'Hot leads', graph },
      publish: true,
    });

    const auth = `Basic ${Buffer.from('wk_plugin-test-key:').toString('base64')}`;
    const send = (body: unknown) =>
      fetch(`${app!.url}/v1/batch`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    await send({
      batch: [
        { type: 'identify', userId: 'bigco', traits: { employees: 900, salesOwner: 'mia' } },
        { type: 'identify', userId: 'tiny', traits: { employees: 3 } },
        { type: 'track', userId: 'bigco', event: 'Demo Requested' },
        { type: 'track', userId: 'tiny', event: 'Demo Requested' },
      ],
    });
    const stats = await eventually(
      async () => {
        const current = await call<{
          nodes: Record<string, { entered: number; ports: Record<string, { passed: number }> }>;
        }>('stats.journey', { journeyId: journey.id }, 'GET');
        return current.nodes.task?.entered === 1 && current.nodes.score?.entered === 2 ? current : undefined;
      },
      { message: 'both leads to be scored' },
    );
    expect(stats.nodes.score.ports).toMatchObject({ hot: { passed: 1 }, cold: { passed: 1 } });
    const message = await database.db
      .selectFrom('messages')
      .select(['channel', 'recipient', 'content'])
      .where('journey_id', '=', journey.id)
      .executeTakeFirstOrThrow();
    expect(message).toMatchObject({ channel: 'webhook', recipient: 'https://crm.example.com/api/tasks' });
    expect(JSON.parse((message.content as { body: string }).body)).toMatchObject({
      title: 'Call back',
      owner: 'mia',
      customer: 'bigco',
    });
    await app.stop();
    app = undefined;

    // Without the plugin, the live journey that uses its types stops start-up with its name.
    await expect(startAppProcess({ DATABASE_URL: database.url })).rejects.toThrow(
      /"Hot leads" \(.*\) uses acme\.score-lead, acme\.create-crm-task/,
    );
  });

  it('a plugin that fails to load or declares a bad type stops start-up, naming it', async () => {
    await expect(
      startAppProcess({ DATABASE_URL: database.url, WAYMARK_PLUGINS: './tests/fixtures/no-such-plugin.ts' }),
    ).rejects.toThrow(/plugin "\.\/tests\/fixtures\/no-such-plugin\.ts": could not be loaded/);
    await expect(loadPlugins(['./tests/fixtures/broken-plugin.ts'], new Set())).rejects.toThrow(
      /plugin "\.\/tests\/fixtures\/broken-plugin\.ts": node type "Broken Type": type: a type id is "vendor\.name"/,
    );
    await expect(loadPlugins([plugin, plugin], new Set())).rejects.toThrow(
      /"acme\.create-crm-task" is already defined/,
    );
    await expect(loadPlugins([plugin], new Set(['acme.score-lead']))).rejects.toThrow(/already defined/);
  });
});
