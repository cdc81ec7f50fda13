// A first-time marketer at a 1440×900 laptop: every page opens without an error in the console,
// and the editor fits the window.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiSession } from '../support/app-process';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';

const e2e = useE2eApp({ SMTP_URL: 'smtp://mailer:env-smtp-secret@mail.shop.example:2525' });
let session: ReturnType<typeof apiSession> | undefined;
const signedIn = () => (session ??= apiSession(e2e.url));

/** Console errors and warnings, and uncaught errors, of a page from now on. */
function consoleTrouble(page: Page): string[] {
  const trouble: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') trouble.push(`${message.type()}: ${message.text()}`); });
  page.on('pageerror', (error) => trouble.push(`uncaught: ${error.message}`));
  return trouble;
}

describe('a marketer\'s first visit', () => {
  it('no page logs an error or warning: journeys, the editor, profiles, settings', async () => {
    const created = await (await signedIn()).mutate<{ id: string }>('journeys.create', { name: 'Clean console', draft: { schemaVersion: 1,
      nodes: [{ id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } }], edges: [] } });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    const trouble = consoleTrouble(page);
    for (const path of ['/', `/journeys/${created.id}`, '/profiles', '/settings']) {
      await page.goto(`${e2e.url}${path}`);
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.waitForLoadState('networkidle');
    }
    expect(trouble).toEqual([]);
  });

  it.each([[1440, 900, 'en'], [1280, 720, 'en'], [1280, 720, 'de']])('the editor fits a %i×%i window (%s): one toolbar row, no page scroll, zoom controls and minimap in view', async (width, height, locale) => {
    const nodes = [{ id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Cart Abandoned' } }];
    const created = await (await signedIn()).mutate<{ id: string }>('journeys.create', { name: `Fits ${width}`, draft: { schemaVersion: 1, nodes, edges: [] } });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width, height } });
    await page.evaluate((chosen) => localStorage.setItem('waymark.locale', chosen), locale);
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await page.locator('.react-flow__minimap').waitFor();
    await screenshot(page, `editor-${width}x${height}-${locale}`);
    const layout = await page.evaluate(() => {
      const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
      const toolbar = box('.editor-header');
      const buttons = [...document.querySelectorAll('.editor-header button')].map((button) => button.getBoundingClientRect().top);
      return {
        pageScroll: document.documentElement.scrollHeight - window.innerHeight,
        toolbarRows: new Set(buttons.map((top) => Math.round(top / 10))).size,
        toolbarHeight: toolbar.height,
        controlsBottom: box('.react-flow__controls').bottom,
        minimapBottom: box('.react-flow__minimap').bottom,
        canvasBottom: box('.canvas').bottom,
        toolbarRight: Math.max(...[...document.querySelectorAll('.editor-header > *')].map((element) => element.getBoundingClientRect().right)),
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
  });

  it('Settings says which SMTP server is in use when it comes from the environment, without its password; the password rule shows before submitting', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.goto(`${e2e.url}/settings`);
    const source = page.locator('#smtp-source');
    await expect.poll(() => source.textContent()).toContain('From the environment (SMTP_URL): smtp://mail.shop.example:2525');
    expect(await page.content()).not.toContain('env-smtp-secret');
    const rule = page.locator('#password-rule');
    expect(await rule.textContent()).toBe('At least 10 characters — 10 more to go.');
    await page.getByLabel('New password').fill('short');
    expect(await rule.textContent()).toBe('At least 10 characters — 5 more to go.');
    await page.getByLabel('New password').fill('long enough now');
    expect(await rule.textContent()).toBe('✓ At least 10 characters.');
  });

  it('an email without a subject does not look finished: its card says what is missing', async () => {
    const created = await (await signedIn()).mutate<{ id: string }>('journeys.create', { name: 'Unfinished email', draft: { schemaVersion: 1, nodes: [
      { id: 'start', type: 'trigger.event', position: { x: 0, y: 0 }, config: { event: 'Signed Up' } },
      { id: 'mail', type: 'touchpoint.email', position: { x: 0, y: 160 }, config: { subject: '', html: '<p>Hi</p>' } },
    ], edges: [{ id: 'e1', source: 'start', sourcePort: 'out', target: 'mail' }] } });
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.goto(`${e2e.url}/journeys/${created.id}`);
    await expect.poll(() => page.getByTestId('unfinished-mail').textContent()).toBe('Not finished: Subject: an email needs a subject');
    expect(await page.getByTestId('node-mail').textContent()).not.toContain('Sends an email');
    expect(await page.getByTestId('unfinished-start').count()).toBe(0);
  });
});
