// A first-time marketer at a 1440×900 laptop builds the abandoned-cart journey from a blank canvas
// and publishes it: every click, typed field and choice counts as one action, the page never
// scrolls. Then the canvas, inspector, stats and simulator are photographed in English and German
// for the README (docs/screenshots/).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiSession } from '../support/app-process';
import { loggedInPage } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';
import { eventually } from '../support/test-database';

const e2e = useE2eApp({ WAYMARK_WRITE_KEY: 'wk_e2e-acceptance' });
const docs = path.resolve('docs/screenshots');

async function pageScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
}

describe('the abandoned-cart journey, built by hand', () => {
  it('is built from a blank canvas and published at 1440×900 in at most 18 actions, with no page scroll', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1440, height: 900 } });
    let actions = 0;
    const scrolls: number[] = [];
    /** One thing the marketer does; the page is checked for scrolling after each. */
    const act = async (what: () => Promise<unknown>) => {
      await what();
      actions++;
      scrolls.push(await pageScroll(page));
    };
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    const add = (label: string) => page.getByRole('button', { name: `Add ${label}`, exact: true }).click();

    await act(() => page.getByRole('button', { name: 'New journey' }).first().click());
    await act(() => page.getByLabel('Journey name').fill('Abandoned cart'));
    await act(() => page.getByRole('button', { name: 'Create journey' }).click());
    await page.getByLabel('Journey canvas').waitFor();
    await act(() => add('Event'));
    expect(await inspector.getByLabel('Event', { exact: true }).inputValue()).toBe('Cart Abandoned');
    await act(() => add('Wait for event'));
    await act(() => inspector.getByLabel('Amount').fill('1'));
    await act(() => inspector.getByLabel('Unit').selectOption('hours'));
    // Ordered within the hour: converted. Else the reminder.
    await act(() => add('Goal reached'));
    await act(() => page.getByTestId('node-event-2').click());
    await act(() => add('Email'));
    await act(() => inspector.getByLabel('Subject').fill('You left something in your cart'));
    await act(() => page.getByRole('button', { name: 'Goal', exact: true }).click());
    await act(() => page.getByRole('dialog').getByLabel('Goal event').fill('Order Completed'));
    await act(() => page.getByRole('dialog').getByRole('button', { name: 'Save goal' }).click());
    await expect
      .poll(() => page.getByTestId('goal-card').textContent())
      .toContain('Goal: Order Completed within 7 days');
    await act(() => page.getByRole('button', { name: 'Publish', exact: true }).click());
    await act(() => page.getByRole('button', { name: 'Publish now' }).click());
    await expect.poll(() => page.getByText('Live version 1').isVisible()).toBe(true);
    console.log(`abandoned-cart journey built and published in ${actions} UI actions`);
    expect(actions).toBeLessThanOrEqual(18);
    expect(Math.max(...scrolls)).toBeLessThanOrEqual(0);

    // What was built is the journey: trigger → wait for the order (1 h) → goal / reminder.
    const api = await apiSession(e2e.url);
    const journeys = await api.query<Array<{ id: string; name: string }>>('journeys.list', {});
    const journeyId = journeys.find((journey) => journey.name === 'Abandoned cart')!.id;
    const journey = await api.query<{
      draft: {
        nodes: Array<{ id: string; type: string; config: Record<string, unknown> }>;
        edges: Array<{ source: string; sourcePort: string; target: string }>;
      };
      goal: { event: string };
    }>('journeys.get', { id: journeyId });
    const typeOf = (id: string) => journey.draft.nodes.find((node) => node.id === id)!.type;
    expect(
      journey.draft.edges
        .map((edge) => `${typeOf(edge.source)}:${edge.sourcePort} → ${typeOf(edge.target)}`)
        .sort(),
    ).toEqual(
      [
        'trigger.event:out → wait.event',
        'wait.event:event → action.goal',
        'wait.event:timeout → touchpoint.email',
      ].sort(),
    );
    expect(journey.draft.nodes.find((node) => node.type === 'wait.event')!.config).toMatchObject({
      event: 'Order Completed',
      timeout: { amount: 1, unit: 'hours' },
    });
    expect(journey.goal.event).toBe('Order Completed');

    // A customer comes in, for the stats.
    const auth = `Basic ${Buffer.from('wk_e2e-acceptance:').toString('base64')}`;
    const batch = {
      batch: [
        { type: 'identify', userId: 'lena', traits: { email: 'lena@example.de', firstName: 'Lena' } },
        {
          type: 'track',
          userId: 'lena',
          event: 'Cart Abandoned',
          properties: { cartUrl: 'https://shop.example.de/cart/7' },
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
        (await api.query<{ nodes: Record<string, { waiting: number }> }>('stats.journey', { journeyId }))
          .nodes['event-2']?.waiting === 1,
      { message: 'lena to wait for her order' },
    );

    // The screenshots of the README, in both languages.
    mkdirSync(docs, { recursive: true });
    for (const locale of ['en', 'de'] as const) {
      await page.evaluate((chosen) => localStorage.setItem('waymark.locale', chosen), locale);
      await page.goto(`${e2e.url}/journeys/${journeyId}`);
      await page.getByTestId('node-email-1').waitFor();
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(docs, `canvas-${locale}.png`) });
      await page.getByTestId('node-email-1').click();
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(docs, `inspector-${locale}.png`) });
      await page.getByRole('button', { name: locale === 'de' ? 'Statistik' : 'Stats', exact: true }).click();
      await expect
        .poll(() => page.getByTestId('stats-event-2').textContent())
        .toContain(locale === 'de' ? '1 wartend' : '1 waiting');
      await page.screenshot({ path: path.join(docs, `stats-${locale}.png`) });
      await page.getByRole('button', { name: locale === 'de' ? 'Statistik' : 'Stats', exact: true }).click();
      await page
        .getByRole('button', { name: locale === 'de' ? 'Simulieren' : 'Simulate', exact: true })
        .click();
      await page
        .getByRole('button', { name: locale === 'de' ? 'Simulation starten' : 'Run simulation' })
        .click();
      await page.locator('.simulation-panel li').first().waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(docs, `simulator-${locale}.png`) });
    }
  }, 180_000);
});
