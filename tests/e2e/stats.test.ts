// The stats overlay shows each node's numbers; clicking a node's badge lists its customers.
import { describe, expect, it } from 'vitest';
import { journeyTemplates } from '../../shared/templates';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';
import { apiSession } from '../support/app-process';
import { eventually } from '../support/test-database';

const e2e = useE2eApp({ WAYMARK_WRITE_KEY: 'wk_e2e-stats-key' });

async function mutate<T>(procedure: string, input: unknown): Promise<T> {
  return (await apiSession(e2e.url)).mutate<T>(procedure, input);
}
async function query<T>(procedure: string, input: unknown): Promise<T> {
  return (await apiSession(e2e.url)).query<T>(procedure, input);
}

describe('stats overlay', () => {
  it('shows entered, waiting and conversion per node, and the customers behind a badge', async () => {
    const coupon = journeyTemplates.find((template) => template.id === 'coupon-reminder')!;
    const journey = await mutate<{ id: string }>('journeys.import', {
      file: { waymark: 'journey', formatVersion: 1, name: 'Coupon reminder', graph: coupon.graph },
      publish: true,
    });
    const auth = `Basic ${Buffer.from('wk_e2e-stats-key:').toString('base64')}`;
    const batch = [
      ...['anna', 'ben', 'carla', 'dario', 'eva'].map((userId) => ({
        type: 'track',
        userId,
        event: 'Coupon Issued',
        properties: { code: `C-${userId}` },
      })),
      { type: 'track', userId: 'anna', event: 'Coupon Redeemed' },
      { type: 'track', userId: 'ben', event: 'Coupon Redeemed' },
    ];
    for (const message of batch) {
      const response = await fetch(`${e2e.url}/v1/track`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(message),
      });
      expect(response.status).toBe(200);
      if (message.event === 'Coupon Issued')
        await eventually(
          async () =>
            (
              await query<{ nodes: Record<string, { entered: number }> }>('stats.journey', {
                journeyId: journey.id,
              })
            ).nodes.wait?.entered >=
            batch.indexOf(message) + 1,
          { message: 'the run to reach the wait' },
        );
    }
    await eventually(
      async () =>
        (
          await query<{ nodes: Record<string, { waiting: number }> }>('stats.journey', {
            journeyId: journey.id,
          })
        ).nodes.wait.waiting === 3,
      { message: 'two runs to leave the wait' },
    );

    const page = await loggedInPage(e2e.browser, `${e2e.url}/journeys/${journey.id}`, {
      viewport: { width: 1500, height: 950 },
    });
    await page.getByRole('button', { name: 'Stats' }).click();
    const waitBadge = page.getByTestId('stats-wait');
    await expect.poll(() => waitBadge.textContent()).toContain('5 entered');
    expect(await waitBadge.textContent()).toContain('3 waiting');
    expect(await page.getByTestId('stats-trigger').textContent()).toContain('5 entered');
    expect(await page.getByTestId('stats-redeemed').textContent()).toContain('2 entered');
    expect(await page.getByTestId('stats-redeemed').textContent()).toContain('100%');
    expect(await page.getByRole('region', { name: 'Overview' }).textContent()).toContain('5 Entries');
    await screenshot(page, 'stats-overlay');

    // The journey's goal, with a filter on the event, set in the goal dialog.
    await page.getByRole('button', { name: 'Goal', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Goal event').fill('Order Completed');
    await dialog.getByRole('button', { name: 'Add rule' }).click();
    await dialog.getByLabel('Rule 1 kind').selectOption('event');
    await dialog.getByLabel('Rule 1 field').fill('total');
    await dialog.getByLabel('Rule 1 operator').selectOption('gte');
    await dialog.getByLabel('Rule 1 value').fill('50');
    await dialog.getByRole('button', { name: 'Save goal' }).click();
    // The goal shows on the canvas, with its conversion.
    await expect
      .poll(() => page.getByTestId('goal-card').textContent())
      .toBe('Goal: Order Completed within 7 days · 40% converted (2 customers)');
    const saved = await query<{ goal: unknown }>('journeys.get', { id: journey.id });
    expect(saved.goal).toEqual({
      event: 'Order Completed',
      where: {
        match: 'all',
        rules: [{ kind: 'attribute', source: 'event', path: 'total', op: 'gte', value: 50 }],
      },
      windowDays: 7,
      exitOnConversion: false,
    });

    await waitBadge.click();
    const panel = page.getByRole('region', { name: /Customers at/ });
    await expect.poll(() => panel.getByRole('link').count()).toBe(5);
    await panel.getByLabel('Search customers').fill('carla');
    await expect.poll(() => panel.getByRole('link').count()).toBe(1);
    await panel.getByRole('link', { name: 'carla' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'carla' }).isVisible()).toBe(true);
    expect(await page.getByText('Coupon reminder').first().isVisible()).toBe(true);
    const path = page.getByRole('list', { name: 'Coupon reminder path' });
    // Nodes by name and ports by label, as on the canvas: no ids.
    expect(await path.textContent()).toContain('When Coupon Issued → next');
    expect(await path.textContent()).toContain('Wait for Coupon Redeemed up to 5 days (waiting here)');
  });
});
