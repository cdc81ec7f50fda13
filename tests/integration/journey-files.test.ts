// Journeys as files (UI API and command line), versions, and what the canvas asks while editing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyTemplates } from '../../shared/templates';
import { createTestServices, type TestServices } from '../support/test-services';

const run = promisify(execFile);
let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

const cart = journeyTemplates.find((template) => template.id === 'abandoned-cart')!;
const file = (graph = cart.graph) => ({
  waymark: 'journey',
  formatVersion: 1,
  name: 'Abandoned cart',
  entryRule: 'after',
  reentryDays: 7,
  graph,
});

async function cli(...args: string[]) {
  try {
    const result = await run(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: services.database.url },
    });
    return { code: 0, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('journey files', () => {
  it('export and import round-trip a journey with its entry rule', async () => {
    const api = services.caller();
    const imported = await api.journeys.import({ file: file() });
    expect(imported).toMatchObject({
      name: 'Abandoned cart',
      status: 'draft',
      entryRule: 'after',
      reentryDays: 7,
    });
    const exported = await api.journeys.export({ id: imported.id });
    expect(exported.graph).toEqual(cart.graph);
  });

  it('a broken file is refused naming every problem, and nothing is imported', async () => {
    const api = services.caller();
    const before = (await api.journeys.list()).length;
    const broken = {
      ...cart.graph,
      nodes: cart.graph.nodes.map((node) =>
        node.id === 'reminder'
          ? { ...node, config: { subject: '' } }
          : node.id === 'coupon'
            ? { ...node, type: 'touchpoint.fax' }
            : node,
      ),
    };
    await expect(api.journeys.import({ file: file(broken) })).rejects.toThrow(
      /node "reminder".*subject[\s\S]*touchpoint\.fax|touchpoint\.fax[\s\S]*node "reminder"/,
    );
    await expect(api.journeys.import({ file: { name: 'not a journey' } })).rejects.toThrow(
      /not a Waymark journey file/,
    );
    expect((await api.journeys.list()).length).toBe(before);
  });

  it('the command line imports (and publishes) and exports', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'waymark-cli-'));
    writeFileSync(path.join(dir, 'cart.json'), JSON.stringify(file()));
    const imported = await cli(
      'journeys',
      'import',
      path.join(dir, 'cart.json'),
      '--publish',
      '--name',
      'Cart from CLI',
    );
    expect(imported.stdout).toMatch(/imported "Cart from CLI" as [0-9a-f-]{36} \(live, version 1\)/);
    const id = /as ([0-9a-f-]{36})/.exec(imported.stdout)![1];
    await cli('journeys', 'export', id, '--out', path.join(dir, 'out.json'));
    expect(JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')).graph).toEqual(cart.graph);

    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(file({ ...cart.graph, edges: [] })));
    const refused = await cli('journeys', 'import', path.join(dir, 'bad.json'), '--publish');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing was imported');
    expect(refused.stderr).toContain('must be connected');
    expect((await cli('journeys', 'frobnicate')).code).toBe(2);
  });
});

describe('editing support', () => {
  it('inspect gives problems, summaries and config-dependent ports', async () => {
    const api = services.caller();
    const graph = {
      schemaVersion: 1,
      nodes: [
        { id: 't', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Cart Abandoned' } },
        {
          id: 'ab',
          type: 'condition.ab',
          position: { x: 0, y: 100 },
          config: {
            variants: [
              { id: 'x', label: 'X', percent: 20 },
              { id: 'y', label: 'Y', percent: 80 },
            ],
          },
        },
        {
          id: 'w',
          type: 'wait.delay',
          position: { x: 0, y: 200 },
          config: { duration: { amount: 1, unit: 'days' } },
        },
      ],
      edges: [{ id: 'e1', source: 't', sourcePort: 'out', target: 'ab' }],
    };
    const inspection = await api.journeys.inspect({ graph });
    expect(inspection.nodes.w.summary).toBe('Wait 1 day');
    expect(inspection.nodes.ab.ports.map((port) => port.id)).toEqual(['x', 'y']);
    expect(inspection.problems).toContainEqual(expect.objectContaining({ code: 'unreachable', nodeId: 'w' }));
  });

  it('versions are listed and an older one can be restored as the draft', async () => {
    const api = services.caller();
    const journey = await api.journeys.import({ file: file() });
    await api.journeys.publish({ id: journey.id });
    const changed = {
      ...cart.graph,
      nodes: cart.graph.nodes.map((node) =>
        node.id === 'reminder' ? { ...node, config: { ...node.config, subject: 'Changed' } } : node,
      ),
    };
    await api.journeys.updateDraft({ id: journey.id, draft: changed });
    await api.journeys.publish({ id: journey.id });
    expect((await api.journeys.versions({ id: journey.id })).map((v) => v.version)).toEqual([2, 1]);
    await api.journeys.restoreVersion({ id: journey.id, version: 1 });
    const restored = await api.journeys.get({ id: journey.id });
    const subject = (graph: typeof restored.draft) =>
      (graph.nodes.find((node) => node.id === 'reminder')!.config as { subject: string }).subject;
    expect(subject(restored.draft)).toBe('You left something in your cart');
    expect(restored.draft.edges).toEqual(cart.graph.edges);
    expect(restored.liveVersion).toBe(2);
    expect(
      (restored.liveGraph!.nodes.find((node) => node.id === 'reminder')!.config as { subject: string })
        .subject,
    ).toBe('Changed');
  });

  it('duplicate copies the draft, entry rule and goal as a new draft journey', async () => {
    const api = services.caller();
    const journey = await api.journeys.import({ file: file() });
    const goal = { event: 'Order Completed', windowDays: 3, exitOnConversion: true };
    await api.journeys.setGoal({ id: journey.id, goal });
    const copy = await api.journeys.duplicate({ id: journey.id });
    expect(copy).toMatchObject({
      name: 'Abandoned cart (copy)',
      status: 'draft',
      entryRule: 'after',
      draft: cart.graph,
      goal,
    });
  });
});
