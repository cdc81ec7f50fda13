// A first-time marketer at a 1440×900 laptop: every page opens without an error in the console,
// and the editor fits the window.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiSession } from '../support/app-process';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';

const e2e = useE2eApp({
  SMTP_URL: 'smtp://mailer:env-smtp-secret@mail.shop.example:2525',
  WAYMARK_WRITE_KEY: 'wk_e2e-walkthrough',
});
let session: ReturnType<typeof apiSession> | undefined;
const signedIn = () => (session ??= apiSession(e2e.url));

/** Console errors and warnings, and uncaught errors, of a page from now on. */
function consoleTrouble(page: Page): string[] {
  const trouble: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      trouble.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => trouble.push(`uncaught: ${error.message}`));
  return trouble;
}

describe("a marketer's first visit", () => {
  it('no page logs an error or warning: journeys, the editor, profiles, settings', async () => {
    const created = await (
      await signedIn()
    ).mutate<{ id: string }>('journeys.create', {
      name: 'Clean console',
      draft: {
        schemaVersion: 1,
        nodes: [
          { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
        ],
        edges: [],
      },
    });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    const trouble = consoleTrouble(page);
    for (const path of ['/', `/journeys/${created.id}`, '/profiles', '/settings']) {
      await page.goto(`${e2e.url}${path}`);
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.waitForLoadState('networkidle');
    }
    expect(trouble).toEqual([]);
  });

  it.each([
    [1440, 900, 'en'],
    [1280, 720, 'en'],
    [1280, 720, 'de'],
  ])(
    'the editor fits a %i×%i window (%s): one toolbar row, no page scroll, zoom controls and minimap in view',
    async (width, height, locale) => {
      const nodes = [
        { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Cart Abandoned' } },
      ];
      const created = await (
        await signedIn()
      ).mutate<{ id: string }>('journeys.create', {
        name: `Fits ${width}`,
        draft: { schemaVersion: 1, nodes, edges: [] },
      });
      const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width, height } });
      await page.evaluate((chosen) => localStorage.setItem('waymark.locale', chosen), locale);
      await page.goto(`${e2e.url}/journeys/${created.id}`);
      await page.locator('.react-flow__minimap').waitFor();
      await screenshot(page, `editor-${width}x${height}-${locale}`);
      const layout = await page.evaluate(() => {
        const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
        const toolbar = box('.editor-header');
        const buttons = [...document.querySelectorAll('.editor-header button')].map(
          (button) => button.getBoundingClientRect().top,
        );
        return {
          pageScroll: document.documentElement.scrollHeight - window.innerHeight,
          toolbarRows: new Set(buttons.map((top) => Math.round(top / 10))).size,
          toolbarHeight: toolbar.height,
          controlsBottom: box('.react-flow__controls').bottom,
          minimapBottom: box('.react-flow__minimap').bottom,
          canvasBottom: box('.canvas').bottom,
          toolbarRight: Math.max(
            ...[...document.querySelectorAll('.editor-header > *')].map(
              (element) => element.getBoundingClientRect().right,
            ),
          ),
        };
      });
      console.log(`editor at ${width}×${height}: ${JSON.stringify(layout)}`);
      expect(layout.pageScroll).toBeLessThanOrEqual(0);
      expect(layout.toolbarRows).toBe(1);
      expect(layout.controlsBottom).toBeLessThanOrEqual(height);
      expect(layout.minimapBottom).toBeLessThanOrEqual(height);
      expect(layout.canvasBottom).toBeGreaterThan(height - 40);
      expect(layout.toolbarRight).toBeLessThanOrEqual(width);
      // Icons are drawn (SVG), not emoji that need a font this machine may not have.
      const items = page.locator('.palette-item');
      expect(await items.count()).toBeGreaterThan(15);
      expect(await page.locator('.palette-item:not(:has(svg))').count()).toBe(0);
    },
  );

  it('auto-layout arranges a journey and shows all of it: every node inside the canvas afterwards', async () => {
    // Twelve nodes in a row, far to the right: after auto-layout they stand top to bottom, and all in view.
    const nodes = Array.from({ length: 12 }, (_, index) => ({
      id: `n${index}`,
      type: index === 0 ? 'trigger.event' : 'wait.delay',
      position: { x: 3000 + index * 400, y: index % 2 ? 900 : 0 },
      config: index === 0 ? { event: 'Signed Up' } : { duration: { amount: index, unit: 'days' } },
    }));
    const edges = nodes
      .slice(1)
      .map((node, index) => ({ id: `e${index}`, source: `n${index}`, sourcePort: 'out', target: node.id }));
    const created = await (
      await signedIn()
    ).mutate<{ id: string }>('journeys.create', {
      name: 'Tidy me',
      draft: { schemaVersion: 1, nodes, edges },
    });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await page.getByTestId('node-n11').waitFor();
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    const inView = () =>
      page.evaluate(() => {
        const canvas = document.querySelector('.react-flow')!.getBoundingClientRect();
        return [...document.querySelectorAll('.journey-node')].filter((node) => {
          const box = node.getBoundingClientRect();
          return (
            box.top >= canvas.top - 1 &&
            box.bottom <= canvas.bottom + 1 &&
            box.left >= canvas.left - 1 &&
            box.right <= canvas.right + 1
          );
        }).length;
      });
    await expect.poll(inView, { timeout: 5_000 }).toBe(12);
  });

  it('Settings says which SMTP server is in use when it comes from the environment, without its password; the password rule shows before submitting', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.goto(`${e2e.url}/settings`);
    const source = page.locator('#smtp-source');
    await expect
      .poll(() => source.textContent())
      .toContain('From the environment (SMTP_URL): smtp://mail.shop.example:2525');
    expect(await page.content()).not.toContain('env-smtp-secret');
    const rule = page.locator('#password-rule');
    expect(await rule.textContent()).toBe('At least 10 characters — 10 more to go.');
    await page.getByLabel('New password').fill('short');
    expect(await rule.textContent()).toBe('At least 10 characters — 5 more to go.');
    await page.getByLabel('New password').fill('long enough now');
    expect(await rule.textContent()).toBe('✓ At least 10 characters.');
  });

  it('quiet hours are typed in 24 hours in a browser that writes AM/PM, and saved as typed', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, {
      viewport: { width: 1440, height: 900 },
      locale: 'en-US',
    });
    await page.goto(`${e2e.url}/settings`);
    const from = page.getByLabel('Quiet hours from');
    expect(await from.getAttribute('placeholder')).toBe('HH:MM');
    await from.fill('25:00');
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    await from.fill('21:30');
    await page.getByLabel('Quiet hours until').fill('7:15');
    await page.getByRole('button', { name: 'Save channels' }).click();
    await expect
      .poll(
        async () =>
          (
            await (
              await signedIn()
            ).query<{ quietHours?: { start: string; end: string } }>('channels.settings', {})
          ).quietHours,
      )
      .toEqual({ start: '21:30', end: '07:15' });
  });

  it('an email without a subject does not look finished: its card says what is missing', async () => {
    const created = await (
      await signedIn()
    ).mutate<{ id: string }>('journeys.create', {
      name: 'Unfinished email',
      draft: {
        schemaVersion: 1,
        nodes: [
          { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
          {
            id: 'mail',
            type: 'touchpoint.email',
            position: { x: 0, y: 160 },
            config: { subject: '', html: '<p>Hi</p>' },
          },
        ],
        edges: [{ id: 'e1', source: 'start', sourcePort: 'out', target: 'mail' }],
      },
    });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await expect
      .poll(() => page.getByTestId('unfinished-mail').textContent())
      .toBe('Not finished: Subject: an email needs a subject');
    expect(await page.getByTestId('node-mail').textContent()).not.toContain('Sends an email');
    expect(await page.getByTestId('unfinished-start').count()).toBe(0);
  });

  it('the variable picker offers the traits and trigger-event properties seen; the preview renders the newest event and warns of a variable that stays empty', async () => {
    const auth = `Basic ${Buffer.from('wk_e2e-walkthrough:').toString('base64')}`;
    const batch = {
      batch: [
        {
          type: 'identify',
          userId: 'vera',
          traits: { email: 'vera@example.com', firstName: 'Vera', loyaltyTier: 'gold' },
        },
        {
          type: 'track',
          userId: 'vera',
          event: 'Basket Left',
          properties: { cartUrl: 'https://shop.example.com/cart/42', cart: { total: 99 } },
        },
      ],
    };
    expect(
      (
        await fetch(`${e2e.url}/v1/batch`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify(batch),
        })
      ).status,
    ).toBe(200);
    const created = await (
      await signedIn()
    ).mutate<{ id: string }>('journeys.create', {
      name: 'Variables',
      draft: {
        schemaVersion: 1,
        nodes: [
          { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Basket Left' } },
          {
            id: 'mail',
            type: 'touchpoint.email',
            position: { x: 0, y: 160 },
            config: { subject: 'Hi ', html: '<p>Your cart</p>' },
          },
        ],
        edges: [{ id: 'e1', source: 'start', sourcePort: 'out', target: 'mail' }],
      },
    });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await page.getByTestId('node-mail').click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    expect(
      await inspector.getByRole('button', { name: 'Insert variable' }).first().getAttribute('title'),
    ).toBe('Insert a variable into Subject');
    await inspector.getByRole('button', { name: 'Insert variable' }).first().click();
    const menu = page.getByRole('menu');
    expect(await menu.textContent()).toContain('Customer traits');
    expect(await menu.textContent()).toContain('Trigger event (Basket Left)');
    await menu.getByRole('menuitem', { name: 'profile.loyaltyTier' }).waitFor();
    expect(await menu.getByRole('menuitem', { name: 'event.cart.total' }).count()).toBe(1);
    await menu.getByRole('menuitem', { name: 'profile.firstName' }).click();
    expect(await inspector.getByLabel('Subject').inputValue()).toBe('Hi {{ profile.firstName }}');
    // The body takes the event's cart link at its end.
    await inspector.getByLabel('Message (HTML)').focus();
    await page.keyboard.press('End');
    await inspector.getByRole('button', { name: 'Insert variable' }).nth(1).click();
    await page.getByRole('menu').getByRole('menuitem', { name: 'event.cartUrl' }).click();
    expect(await inspector.getByLabel('Message (HTML)').inputValue()).toBe(
      '<p>Your cart</p>{{ event.cartUrl }}',
    );
    // The sample profile has a first name; a trait it lacks is named as empty.
    const preview = page.getByRole('region', { name: 'Preview' });
    await expect.poll(() => preview.getByTestId('preview-subject').textContent()).toBe('Hi Anna');
    expect(await preview.getByRole('list', { name: 'Variables that render empty' }).count()).toBe(0);
    await inspector.getByLabel('Subject').fill('Hi {{ profile.nickname }}');
    await expect
      .poll(() => preview.getByRole('list', { name: 'Variables that render empty' }).textContent())
      .toContain('profile.nickname is empty for this sample');
    expect(await preview.getByLabel('Sample trigger event (JSON)').inputValue()).toContain(
      'https://shop.example.com/cart/42',
    );
    expect(await preview.frameLocator('iframe').locator('body').textContent()).toContain(
      'https://shop.example.com/cart/42',
    );
    await screenshot(page, 'variable-picker-preview');
  });
});
