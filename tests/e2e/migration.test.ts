// Editing a live journey: publishing a version without the wait customers sit in, the marketer
// moves them to the new wait, sees the numbers first, and the stats badges follow.
import { describe, expect, it } from 'vitest';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';
import { apiSession } from '../support/app-process';
import { eventually } from '../support/test-database';

const e2e = useE2eApp({ WAYMARK_WRITE_KEY: 'wk_e2e-migration-key' });

const node = (id: string, type: string, y: number, config: Record<string, unknown>) => ({
  id,
  type,
  position: { x: 200, y },
  config,
});
const edge = (source: string, target: string) => ({
  id: `${source}-${target}`,
  source,
  target,
  sourcePort: 'out',
});

describe('moving live customers', () => {
  it('publishing with changes shows who moves where; confirming moves the badges', async () => {
    const api = await apiSession(e2e.url);
    const v1 = {
      schemaVersion: 1,
      nodes: [
        node('t', 'trigger.event', 0, { event: 'Signed Up' }),
        node('w1', 'wait.delay', 150, { duration: { amount: 3, unit: 'days' } }),
        node('m', 'touchpoint.email', 300, { subject: 'Tips' }),
      ],
      edges: [edge('t', 'w1'), edge('w1', 'm')],
    };
    const v2 = {
      schemaVersion: 1,
      nodes: [
        node('t', 'trigger.event', 0, { event: 'Signed Up' }),
        node('w2', 'wait.delay', 150, { duration: { amount: 1, unit: 'days' } }),
        node('m', 'touchpoint.email', 300, { subject: 'Tips' }),
      ],
      edges: [edge('t', 'w2'), edge('w2', 'm')],
    };
    const journey = await api.mutate<{ id: string }>('journeys.create', {
      name: 'Onboarding tips',
      draft: v1,
    });
    await api.mutate('journeys.publish', { id: journey.id });
    const auth = `Basic ${Buffer.from('wk_e2e-migration-key:').toString('base64')}`;
    for (const userId of ['mia', 'noah', 'olga']) {
      const response = await fetch(`${e2e.url}/v1/track`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId, event: 'Signed Up' }),
      });
      expect(response.status).toBe(200);
    }
    await eventually(
      async () =>
        (
          await api.query<{ nodes: Record<string, { waiting: number }> }>('stats.journey', {
            journeyId: journey.id,
          })
        ).nodes.w1?.waiting === 3,
      { message: 'three customers waiting in version 1' },
    );
    await api.mutate('journeys.updateDraft', { id: journey.id, draft: v2 });

    const page = await loggedInPage(e2e.browser, `${e2e.url}/journeys/${journey.id}`, {
      viewport: { width: 1500, height: 950 },
    });
    page.setDefaultTimeout(15_000);
    try {
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.getByText('3 customers are inside version 1.').isVisible()).toBe(true);
      await dialog.getByLabel('Move them to the new version').check();
      const target = dialog.getByLabel(/Move customers at .* to/);
      expect(await target.inputValue()).toBe('#choose');
      await expect
        .poll(() => dialog.getByText('3 customers are at removed nodes: choose where they go.').isVisible())
        .toBe(true);
      expect(await dialog.getByRole('button', { name: /Publish and move/ }).isDisabled()).toBe(true);
      await target.selectOption('w2');
      await expect.poll(() => dialog.getByRole('status').textContent()).toContain('3 move, 0 exit, 0 stay');
      await screenshot(page, 'publish-with-migration');
      await dialog.getByRole('button', { name: 'Publish and move 3' }).click();
      await expect.poll(() => dialog.isVisible()).toBe(false);

      await page.getByRole('button', { name: 'Stats' }).click();
      await expect.poll(() => page.getByTestId('stats-w2').textContent()).toContain('3 waiting');
      const versions = await api.query<Array<{ version: number }>>('journeys.versions', { id: journey.id });
      expect(versions.map((version) => version.version)).toEqual([2, 1]);
      await screenshot(page, 'stats-after-migration');
    } catch (error) {
      await screenshot(page, 'migration-failure');
      throw error;
    }
  });
});
