// With German chosen, every page is German: no phrase of the English catalogue and no English word
// of the built-in node types is left on the journey list, the canvas with its inspector, problems
// and publish dialog, the stats with a node's customers, the simulator, the profiles, a profile and
// Settings with the audit log.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { de } from '../../client/i18n/messages';
import { journeyTemplates } from '../../shared/templates';
import { apiSession } from '../support/app-process';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';
import { englishLeft, englishPhrases } from '../support/english-left';
import { eventually } from '../support/test-database';

const e2e = useE2eApp({ WAYMARK_WRITE_KEY: 'wk_e2e-german-key' });

async function visibleText(page: Page): Promise<string> {
  // What was asked for has arrived (no request pending for a moment); the stats poll every 10 s.
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
  return page.locator('body').innerText();
}

describe('the German UI', () => {
  it('leaves no English on any page', async () => {
    expect(englishPhrases().length).toBeGreaterThan(300);
    const api = await apiSession(e2e.url);
    const template = journeyTemplates.find((candidate) => candidate.id === 'abandoned-cart')!;
    const journey = await api.mutate<{ id: string }>('journeys.import', {
      file: { waymark: 'journey', formatVersion: 1, name: 'Warenkorb-Erinnerung', graph: template.graph },
      publish: true,
    });
    await api.mutate('journeys.setGoal', {
      id: journey.id,
      goal: { event: 'Order Completed', windowDays: 7, exitOnConversion: true },
    });
    const auth = `Basic ${Buffer.from('wk_e2e-german-key:').toString('base64')}`;
    const batch = {
      batch: [
        { type: 'identify', userId: 'anna', traits: { email: 'anna@example.de', firstName: 'Anna' } },
        {
          type: 'track',
          userId: 'anna',
          event: 'Cart Abandoned',
          properties: { cartUrl: 'https://shop.example.de/cart' },
        },
        // Ben left his cart two hours ago: his hour is up, he passes the first "ordered?" by "no".
        { type: 'identify', userId: 'ben', traits: { email: 'ben@example.de', firstName: 'Ben' } },
        {
          type: 'track',
          userId: 'ben',
          event: 'Cart Abandoned',
          properties: { cartUrl: 'https://shop.example.de/cart' },
          timestamp: new Date(Date.now() - 2 * 3_600_000).toISOString(),
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
    await eventually(
      async () =>
        (
          await api.query<{ nodes: Record<string, { entered: number }> }>('stats.journey', {
            journeyId: journey.id,
          })
        ).nodes['wait-hour']?.entered === 2,
      { message: 'anna and ben to reach the wait' },
    );
    await eventually(
      async () =>
        (
          await api.query<{ nodes: Record<string, { entered: number }> }>('stats.journey', {
            journeyId: journey.id,
          })
        ).nodes['wait-day']?.entered === 1,
      { message: 'ben to pass "ordered?" and the reminder' },
    );
    // Then he orders: the journey lets a converted customer go, his wait for the day ends as converted.
    const order = { userId: 'ben', event: 'Order Completed', properties: { total: 59 } };
    expect(
      (
        await fetch(`${e2e.url}/v1/track`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify(order),
        })
      ).status,
    ).toBe(200);
    await eventually(
      async () =>
        (await api.query<{ converted: number }>('stats.journey', { journeyId: journey.id })).converted === 1,
      { message: 'ben to convert' },
    );
    const { profiles } = await api.query<{ profiles: Array<{ id: string }> }>('profiles.search', {});

    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    await page.evaluate(() => localStorage.setItem('waymark.locale', 'de'));
    const found: Record<string, string[]> = {};
    const look = async (where: string) => {
      const text = await visibleText(page);
      found[where] = englishLeft(text);
      if (found[where].length > 0) console.log(`${where}:\n${text}\n`);
    };

    await page.goto(`${e2e.url}/`);
    await page.getByRole('heading', { name: de['journeys.title'] }).waitFor();
    await look('journey list');
    await page.getByRole('button', { name: de['journeys.new'] }).first().click();
    await page.getByRole('dialog').waitFor();
    await look('new journey with its templates');
    await page.keyboard.press('Escape');

    await page.goto(`${e2e.url}/journeys/${journey.id}`);
    await page.getByTestId('node-reminder').waitFor();
    await page.getByTestId('node-reminder').click();
    await page
      .getByRole('heading', { name: /E-Mail/ })
      .first()
      .waitFor();
    await look('canvas and inspector');
    await screenshot(page, 'german-inspector');

    await page.getByRole('button', { name: de['editor.publish'], exact: true }).click();
    await page.getByRole('dialog').waitFor();
    await look('publish dialog');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: de['stats.toggle'] }).click();
    await page.getByRole('region', { name: de['stats.overview'] }).waitFor();
    await look('stats');
    // Each port of a split shows its figure, none passed too ("ja 0", "nein 1 · 100 %"), on a line under its name, and neighbours never run into each other.
    const labels = await page.locator('[data-testid^="port-label-ordered-"]').evaluateAll((elements) =>
      elements.map((element) => {
        const box = element.getBoundingClientRect();
        return {
          id: element.getAttribute('data-testid')!,
          left: box.left,
          right: box.right,
          text: (element as HTMLElement).innerText,
        };
      }),
    );
    expect(labels.length).toBe(4);
    for (const node of ['ordered', 'ordered-2']) {
      const [yes, no] = ['yes', 'no'].map((port) =>
        labels.find((label) => label.id === `port-label-${node}-${port}`)!,
      );
      expect(yes.text).toMatch(/^ja\s+\d/);
      if (node === 'ordered') expect(no.text).toMatch(/^nein\s+1\s·\s100\s%$/);
      expect(yes.right, `${node}: "${yes.text}" ends before "${no.text}" begins`).toBeLessThanOrEqual(
        no.left,
      );
    }
    // Dates are written the German way, though this browser is English.
    const from = page.getByRole('textbox', { name: de['stats.from'] });
    expect(await from.getAttribute('placeholder')).toBe('TT.MM.JJJJ');
    await from.fill('01.12.2026');
    expect(await from.getAttribute('aria-invalid')).toBe('false');
    await from.fill('31.11.2026');
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    await from.fill('');
    await page.getByTestId('stats-wait-hour').click();
    await page
      .getByRole('region', { name: /Kunden/ })
      .getByRole('link')
      .first()
      .waitFor();
    await look('customers of a node');
    // A customer who converted while waiting left by "konvertiert", not by an English pseudo-port.
    await page.getByTestId('stats-wait-day').click();
    await expect
      .poll(() => page.getByRole('region', { name: /Kunden/ }).innerText())
      .toContain(`→ ${de['stats.converted']}`);
    await look('customers who converted');
    await page.getByRole('button', { name: de['stats.toggle'] }).click();

    await page.getByRole('button', { name: de['simulate.toggle'] }).click();
    await page.getByRole('button', { name: de['simulate.run'] }).click();
    await page.locator('.simulation-panel li').first().waitFor();
    await look('simulator');

    await page.goto(`${e2e.url}/profiles`);
    await page.getByRole('heading', { name: de['profiles.title'] }).waitFor();
    await look('profiles');
    await page.goto(`${e2e.url}/profiles/${profiles[0].id}`);
    await page.getByRole('heading', { name: 'anna' }).waitFor();
    await look('profile');

    await page.goto(`${e2e.url}/settings`);
    await page.getByRole('heading', { name: de['settings.title'] }).waitFor();
    await look('settings');

    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((where) => [where, []])));
  }, 120_000);
});
