// What a marketer does on the canvas: build a journey by drag and drop, configure it, publish it,
// undo and redo, copy and paste, and find every edit again after a reload.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loggedInPage, screenshot } from '../support/browser';
import { testAdmin } from '../support/app-process';
import { useE2eApp } from '../support/e2e-app';
import { de } from '../../client/i18n/messages';
import { apiSession } from '../support/app-process';

const e2e = useE2eApp();

// One API session for the file: sign-ins are rate limited per address and email.
let session: ReturnType<typeof apiSession> | undefined;
const signedIn = () => (session ??= apiSession(e2e.url));

async function api<T>(procedure: string, input: unknown): Promise<T> {
  return (await signedIn()).query<T>(procedure, input);
}

async function newJourney(page: Page, name: string): Promise<string> {
  await page.goto(e2e.url);
  await page.getByRole('button', { name: 'New journey' }).click();
  await page.getByLabel('Journey name').fill(name);
  await page.getByRole('button', { name: 'Create journey' }).click();
  await page.waitForURL(/\/journeys\/[0-9a-f-]{36}$/);
  await expect.poll(() => page.getByRole('button', { name: 'Add Event' }).isVisible()).toBe(true);
  return page.url().split('/').pop()!;
}

async function drop(page: Page, label: string, x: number, y: number): Promise<void> {
  const canvas = page.getByLabel('Journey canvas');
  const box = (await canvas.boundingBox())!;
  await page.getByRole('button', { name: `Add ${label}` }).dragTo(canvas, { targetPosition: { x, y } });
  expect(box.width).toBeGreaterThan(300);
}

async function connect(page: Page, from: string, port: string, to: string): Promise<void> {
  const source = page.locator(
    `[data-testid="node-${from}"] .react-flow__handle.source[data-handleid="${port}"]`,
  );
  const target = page.locator(`[data-testid="node-${to}"] .react-flow__handle.target`);
  const a = (await source.boundingBox())!;
  const b = (await target.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

const inspector = (page: Page) => page.getByRole('complementary', { name: 'Inspector' });
const saved = (page: Page) =>
  expect
    .poll(() => page.getByRole('status').filter({ hasText: 'All changes saved' }).isVisible(), {
      timeout: 10_000,
    })
    .toBe(true);

describe('canvas', () => {
  it('builds the abandoned-cart journey by drag and drop, publishes it, and finds it the same after a reload', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    const journeyId = await newJourney(page, 'Cart rescue');

    await drop(page, 'Event', 420, 60);
    await inspector(page).getByLabel('Event', { exact: true }).fill('Cart Abandoned');
    await drop(page, 'Delay', 420, 220);
    await inspector(page).getByLabel('Amount').fill('1');
    await inspector(page).getByLabel('Unit').selectOption('hours');
    await drop(page, 'If / else', 420, 380);
    await inspector(page).getByRole('button', { name: 'Add rule' }).click();
    await inspector(page).getByLabel('Rule 1 kind').selectOption('eventHistory');
    await inspector(page).getByLabel('Rule 1 event').fill('Order Completed');
    await inspector(page).getByLabel('Rule 1 within days').fill('1');
    await drop(page, 'Email', 560, 560);
    await inspector(page).getByLabel('Subject').fill('You left something in your cart');
    await inspector(page).getByLabel('Name on the canvas').fill('Reminder');

    await connect(page, 'event-1', 'out', 'delay-1');
    await connect(page, 'delay-1', 'out', 'if-1');
    await connect(page, 'if-1', 'no', 'email-1');
    await expect.poll(() => page.getByRole('heading', { name: 'No problems' }).isVisible()).toBe(true);
    expect(await page.getByTestId('node-delay-1').textContent()).toContain('Wait 1 hour');
    expect(await page.getByTestId('node-if-1').textContent()).toContain(
      'If did Order Completed in the last day',
    );
    await saved(page);
    await screenshot(page, 'canvas-built');

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => page.getByText('This is the first version.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Publish now' }).click();
    await expect.poll(() => page.getByText('Live version 1').isVisible()).toBe(true);

    const before = await api<{
      draft: {
        nodes: Array<{ id: string; type: string; config: Record<string, unknown>; label?: string }>;
        edges: Array<{ source: string; sourcePort: string; target: string }>;
      };
    }>('journeys.get', { id: journeyId });
    expect(before.draft.nodes.map((node) => node.type)).toEqual([
      'trigger.event',
      'wait.delay',
      'condition.if',
      'touchpoint.email',
    ]);
    expect(before.draft.nodes[0].config.event).toBe('Cart Abandoned');
    expect(before.draft.nodes[1].config.duration).toEqual({ amount: 1, unit: 'hours' });
    expect(before.draft.nodes[2].config.condition).toEqual({
      match: 'all',
      rules: [{ kind: 'eventHistory', event: 'Order Completed', op: 'gte', count: 1, withinDays: 1 }],
    });
    expect(before.draft.nodes[3]).toMatchObject({
      label: 'Reminder',
      config: { subject: 'You left something in your cart' },
    });
    expect(before.draft.edges.map((edge) => `${edge.source}:${edge.sourcePort}->${edge.target}`)).toEqual([
      'event-1:out->delay-1',
      'delay-1:out->if-1',
      'if-1:no->email-1',
    ]);

    await page.reload();
    await expect.poll(() => page.locator('.journey-node').count()).toBe(4);
    expect(await page.locator('.react-flow__edge').count()).toBe(3);
    expect(await page.getByTestId('node-email-1').textContent()).toContain('Reminder');
    const after = await api<typeof before>('journeys.get', { id: journeyId });
    expect(after.draft).toEqual(before.draft);
  });

  it('refuses to publish an invalid graph and shows the problem on the node', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    await newJourney(page, 'Half done');
    await drop(page, 'Event', 420, 80);
    await drop(page, 'Email', 420, 300);
    await inspector(page).getByLabel('Subject').fill('');
    await expect
      .poll(() => page.getByTestId('node-email-1').getByRole('img', { name: 'has problems' }).isVisible())
      .toBe(true);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Publish now' }).click();
    const alert = page.getByRole('dialog').getByRole('alert');
    // Nodes by name, settings by their labels — no node ids.
    await expect.poll(() => alert.textContent()).toContain('Email: Subject: an email needs a subject');
    expect(await alert.textContent()).toContain('“next” of When Cart Abandoned must be connected');
    expect(await alert.textContent()).not.toContain('email-1');
    expect(await page.getByText('Not published yet').isVisible()).toBe(true);
    await screenshot(page, 'canvas-invalid');
  });

  it('a wait until a date takes the date as the chosen language writes it and the time in 24 hours, and stores the moment with its offset', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, {
      viewport: { width: 1500, height: 950 },
      timezoneId: 'Europe/Berlin',
    });
    const journeyId = await newJourney(page, 'Christmas');
    await page.evaluate(() => localStorage.setItem('waymark.locale', 'de'));
    await page.reload();
    await page.getByRole('button', { name: 'Warten bis hinzufügen' }).click();
    const inspector = page.getByRole('complementary', { name: de['inspector.title'] });
    await inspector.getByRole('combobox', { name: /^Warten bis/ }).selectOption('date');
    const date = inspector.getByRole('textbox', { name: 'Datum', exact: true });
    expect(await date.getAttribute('placeholder')).toBe('TT.MM.JJJJ');
    await date.fill('24.12.2026');
    await inspector.getByRole('textbox', { name: 'Datum · Uhrzeit' }).fill('18:30');
    await expect
      .poll(
        async () =>
          (
            await api<{ draft: { nodes: Array<{ config: Record<string, unknown> }> } }>('journeys.get', {
              id: journeyId,
            })
          ).draft.nodes[0]?.config.date,
        { timeout: 10_000 },
      )
      .toBe('2026-12-24T18:30:00+01:00');
    // The card says when, in German.
    expect(await page.locator('.journey-node').first().textContent()).toContain(
      'Warten bis 24.12.2026, 17:30 UTC',
    );
  });

  it('previews an email for a sample profile as it is written', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    await newJourney(page, 'Preview');
    await drop(page, 'Email', 420, 200);
    await inspector(page).getByLabel('Subject').fill('Hi {{ profile.firstName }}, your cart is waiting');
    await expect
      .poll(() => page.getByTestId('preview-subject').textContent())
      .toBe('Hi Anna, your cart is waiting');
    await inspector(page).getByLabel('Sample profile (JSON)').fill('{"firstName": "Luca"}');
    await expect
      .poll(() => page.getByTestId('preview-subject').textContent())
      .toBe('Hi Luca, your cart is waiting');
    await inspector(page).getByLabel('Subject').fill('Hi {{ profile.firstName | shout }}');
    await expect
      .poll(() => inspector(page).getByRole('alert').filter({ hasText: 'shout' }).isVisible())
      .toBe(true);
  });

  it('undo and redo, copy and paste, and autosave across a reload', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    const journeyId = await newJourney(page, 'Edits');
    await drop(page, 'Event', 420, 80);
    await drop(page, 'SMS', 420, 280);
    await expect.poll(() => page.locator('.journey-node').count()).toBe(2);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.locator('.journey-node').count()).toBe(1);
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => page.locator('.journey-node').count()).toBe(2);

    await page.getByTestId('node-sms-1').click();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Paste' }).click();
    await expect.poll(() => page.locator('.journey-node').count()).toBe(3);
    // (React Flow shows a new node once it has measured it, a frame after it is in the DOM.)
    await expect.poll(() => page.getByTestId('node-sms-2').isVisible()).toBe(true);
    // Keyboard too: Ctrl+Z removes the pasted node again, Ctrl+Y brings it back.
    await page.getByLabel('Journey canvas').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.journey-node').count()).toBe(2);
    await page.keyboard.press('Control+y');
    await expect.poll(() => page.locator('.journey-node').count()).toBe(3);

    await saved(page);
    await page.reload();
    await expect.poll(() => page.locator('.journey-node').count()).toBe(3);

    // A paste into another journey works too (the clipboard outlives the page).
    const other = await newJourney(page, 'Other');
    await page.getByRole('button', { name: 'Paste' }).click();
    await expect.poll(() => page.locator('.journey-node').count()).toBe(1);
    await saved(page);
    const draft = await api<{ draft: { nodes: Array<{ type: string }> } }>('journeys.get', { id: other });
    expect(draft.draft.nodes.map((node) => node.type)).toEqual(['touchpoint.sms']);
    expect(journeyId).not.toBe(other);
  });

  it('deleting a connected node, undo and redo are one step each, edges included, and autosave stores the restored graph', async () => {
    const draft = {
      schemaVersion: 1,
      nodes: [
        { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Cart Abandoned' } },
        {
          id: 'wait',
          type: 'wait.delay',
          position: { x: 0, y: 160 },
          config: { duration: { amount: 1, unit: 'hours' } },
        },
        { id: 'bye', type: 'action.exit', position: { x: 0, y: 320 }, config: {} },
      ],
      edges: [
        { id: 'e1', source: 'start', sourcePort: 'out', target: 'wait' },
        { id: 'e2', source: 'wait', sourcePort: 'out', target: 'bye' },
      ],
    };
    const created = await (
      await signedIn()
    ).mutate<{ id: string }>('journeys.create', { name: 'Undo a delete', draft });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    const shown = async () => ({
      nodes: await page.locator('.journey-node').count(),
      edges: await page.locator('.react-flow__edge').count(),
    });

    await page.getByTestId('node-wait').click();
    await page.keyboard.press('Delete');
    await expect.poll(shown).toEqual({ nodes: 2, edges: 0 });
    await page.keyboard.press('Control+z');
    await expect.poll(shown).toEqual({ nodes: 3, edges: 2 });
    await page.keyboard.press('Control+y');
    await expect.poll(shown).toEqual({ nodes: 2, edges: 0 });
    await page.keyboard.press('Control+z');
    await expect.poll(shown).toEqual({ nodes: 3, edges: 2 });
    // The second undo goes past the delete: there was nothing before it.
    await page.keyboard.press('Control+z');
    await expect.poll(shown).toEqual({ nodes: 3, edges: 2 });
    await saved(page);
    const stored = await api<{
      draft: { nodes: unknown[]; edges: Array<{ source: string; target: string }> };
    }>('journeys.get', { id: created.id });
    expect(stored.draft.nodes).toHaveLength(3);
    expect(stored.draft.edges.map((edge) => `${edge.source}>${edge.target}`).sort()).toEqual([
      'start>wait',
      'wait>bye',
    ]);
  });

  it('a save from a second tab with an older draft is refused and the editor says so', async () => {
    const first = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    const journeyId = await newJourney(first, 'Two tabs');
    const second = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    await second.goto(`${e2e.url}/journeys/${journeyId}`);
    await second.reload();
    await expect.poll(() => second.getByRole('button', { name: 'Add Event' }).isVisible()).toBe(true);
    await drop(first, 'Event', 420, 80);
    await saved(first);
    await drop(second, 'Exit', 420, 300);
    await expect
      .poll(() => second.getByRole('alert').filter({ hasText: 'changed in another tab' }).isVisible(), {
        timeout: 10_000,
      })
      .toBe(true);
    const draft = await api<{ draft: { nodes: Array<{ type: string }> } }>('journeys.get', { id: journeyId });
    expect(draft.draft.nodes.map((node) => node.type)).toEqual(['trigger.event']);
  });
  it('a 300-node journey opens on its first nodes; the far ones arrive, show in the minimap and can be gone to', async () => {
    const nodes: Array<{
      id: string;
      type: string;
      position: { x: number; y: number };
      config: Record<string, unknown>;
    }> = [{ id: 'n0', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Big' } }];
    const edges: Array<{ id: string; source: string; sourcePort: string; target: string }> = [];
    for (let i = 1; i < 299; i++) {
      nodes.push({
        id: `n${i}`,
        type: 'wait.delay',
        position: { x: (i % 10) * 260, y: Math.floor(i / 10) * 140 + 140 },
        config: { duration: { amount: i, unit: 'hours' } },
      });
      edges.push({ id: `e${i}`, source: `n${i - 1}`, sourcePort: 'out', target: `n${i}` });
    }
    // Far away and not connected: a problem the panel links to.
    nodes.push({ id: 'far', type: 'action.exit', position: { x: 2400, y: 5200 }, config: {} });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    const created = await (
      await signedIn()
    ).mutate<{ id: string }>('journeys.create', {
      name: 'Big one',
      draft: { schemaVersion: 1, nodes, edges },
    });
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await expect.poll(() => page.locator('[data-testid="node-n1"]').isVisible()).toBe(true);
    // It opens at the trigger, at a readable size; only what is near the start is on the canvas at first.
    const trigger = (await page.locator('[data-testid="node-n0"]').boundingBox())!;
    const pane = (await page.getByLabel('Journey canvas').boundingBox())!;
    expect(trigger.x - pane.x).toBeLessThan(100);
    expect(trigger.y - pane.y).toBeLessThan(100);
    expect(trigger.width).toBeGreaterThan(120);
    expect(await page.locator('.journey-node').count()).toBeLessThan(150);
    await expect.poll(() => page.locator('.react-flow__minimap-node').count(), { timeout: 15_000 }).toBe(300);
    await page
      .getByRole('button', { name: 'Exit journey cannot be reached from a trigger: connect it' })
      .click();
    await expect.poll(() => page.locator('[data-testid="node-far"]').isVisible()).toBe(true);
    const box = (await page.locator('[data-testid="node-far"]').boundingBox())!;
    const canvas = (await page.getByLabel('Journey canvas').boundingBox())!;
    expect(box.y).toBeGreaterThan(canvas.y);
    expect(box.y + box.height).toBeLessThan(canvas.y + canvas.height);
  });
  it('a link to a journey opened before signing in shows the journey after signing in', async () => {
    const created = await (
      await signedIn()
    ).mutate<{ id: string }>('journeys.create', {
      name: 'Bookmarked',
      draft: {
        schemaVersion: 1,
        nodes: [
          { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
        ],
        edges: [],
      },
    });
    const page = await e2e.browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await page.getByLabel('Email').fill(testAdmin.email);
    await page.getByLabel('Password').fill(testAdmin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.locator('[data-testid="node-start"]').isVisible(), { timeout: 10_000 })
      .toBe(true);
    expect(await page.getByText('Bookmarked').first().isVisible()).toBe(true);
    await page.close();
  });
});
