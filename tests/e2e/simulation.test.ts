// A marketer opens a template, simulates a customer, sees the highlighted path and the rendered
// email — and nothing reaches the outbox; then starts a test run for a test profile.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';

const e2e = useE2eApp({ WAYMARK_WRITE_KEY: 'wk_e2e-simulation-key' });

async function count(query: string): Promise<number> {
  const client = new pg.Client(e2e.database.url);
  await client.connect();
  const { rows } = await client.query<{ n: number }>(query);
  await client.end();
  return rows[0].n;
}

describe('simulation', () => {
  it('simulates a template for sample traits: highlighted path, rendered email, nothing sent', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 1000 } });
    page.setDefaultTimeout(15_000);
    try {
      await page.getByRole('button', { name: 'New journey' }).click();
      await page.getByLabel('Start from').selectOption('welcome-series');
      await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await expect.poll(() => page.getByTestId('node-welcome').isVisible()).toBe(true);

      await page.getByRole('button', { name: 'Simulate' }).click();
      const panel = page.getByRole('region', { name: 'Simulate a customer' });
      expect(await panel.getByLabel('Trigger event').inputValue()).toBe('Account Created');
      await panel
        .getByLabel('Sample traits (JSON)')
        .fill('{"firstName": "Lina", "email": "lina@example.com", "timezone": "Europe/Zurich"}');
      await panel.getByRole('button', { name: 'Add an event' }).click();
      await panel.getByLabel('Event 1', { exact: true }).fill('Order Completed');
      await panel.getByLabel('Event 1 after', { exact: true }).fill('5');
      await panel.getByLabel('Event 1 time unit').selectOption('days');
      // Minutes, hours and days can be chosen, and the row stays inside the panel.
      expect(await panel.getByLabel('Event 1 time unit').locator('option').allTextContents()).toEqual([
        'minutes',
        'hours',
        'days',
      ]);
      const row = await panel.getByLabel('Event 1 time unit').evaluate((select) => {
        const line = select.closest('.row')!;
        const box = line.getBoundingClientRect();
        return {
          overflow: line.scrollWidth - line.clientWidth,
          right: Math.max(...[...line.children].map((child) => child.getBoundingClientRect().right)),
          panelRight: box.right,
        };
      });
      expect(row.overflow).toBeLessThanOrEqual(0);
      expect(row.right).toBeLessThanOrEqual(row.panelRight + 1);
      await panel.getByRole('button', { name: 'Run simulation' }).click();

      const path = panel.getByRole('list', { name: 'Simulated path' });
      await expect.poll(() => path.locator(':scope > li').count()).toBe(6);
      expect(await panel.getByRole('status').textContent()).toContain('Completed the journey');
      expect(await path.textContent()).toContain('No Order Completed: the wait timed out');
      expect(await path.textContent()).toContain('Order Completed came at');
      const email = panel.frameLocator('iframe[title="Rendered email of step 2"]');
      expect(await email.locator('body').textContent()).toContain('Great to have you.');
      expect(await path.textContent()).toContain('Welcome, Lina!');
      // The path on the canvas: the nodes taken are numbered, the ones skipped are not.
      expect(await page.getByTestId('node-welcome').getAttribute('data-simulated-steps')).toBe('2');
      expect(await page.getByTestId('node-goal-2').getAttribute('data-simulated-steps')).toBe('6');
      expect(await page.getByTestId('node-offer').getAttribute('data-simulated-steps')).toBeNull();
      expect(await page.locator('.react-flow__edge.simulated-edge').count()).toBe(5);
      await screenshot(page, 'simulation');
      expect(await count('SELECT count(*)::int AS n FROM messages')).toBe(0);
      expect(await count('SELECT count(*)::int AS n FROM runs')).toBe(0);

      // Then on real infrastructure, for a test profile only.
      const identify = await fetch(`${e2e.url}/v1/identify`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from('wk_e2e-simulation-key:').toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ userId: 'qa-anna', traits: { firstName: 'Anna', email: 'anna@example.com' } }),
      });
      expect(identify.status).toBe(200);
      await panel.getByLabel('Test profiles (user ids or emails, comma-separated)').fill('qa-anna');
      await panel.getByLabel('Waits shortened ×').fill('3600');
      await panel.getByRole('button', { name: 'Start test runs' }).click();
      await expect
        .poll(() => panel.getByText('Test 1 of the draft: 1 test run started, 0 already inside.').isVisible())
        .toBe(true);
      expect(
        await count(
          'SELECT count(*)::int AS n FROM runs r JOIN journey_versions v ON v.id = r.version_id WHERE v.is_test',
        ),
      ).toBe(1);
    } catch (error) {
      await screenshot(page, 'simulation-failure');
      throw error;
    }
  });
});
