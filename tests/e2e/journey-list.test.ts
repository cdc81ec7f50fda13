// A marketer opens Waymark, creates a journey, and finds it again after a reload and a restart.
import { describe, expect, it } from 'vitest';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';

const e2e = useE2eApp();

describe('journey list', () => {
  it('creates a journey through the UI and sees it after a reload and a server restart', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url);
    await expect.poll(() => page.getByRole('heading', { name: 'No journeys yet' }).isVisible()).toBe(true);
    await screenshot(page, 'journey-list-empty');

    await page.getByRole('button', { name: 'New journey' }).click();
    await page.getByLabel('Journey name').fill('Abandoned cart');
    await page.getByRole('button', { name: 'Create journey' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Abandoned cart' }).isVisible()).toBe(true);
    expect(page.url()).toMatch(/\/journeys\/[0-9a-f-]{36}$/);

    await page.getByRole('link', { name: /All journeys/ }).click();
    await page.reload();
    const row = page.getByRole('row', { name: /Abandoned cart/ });
    await expect.poll(() => row.isVisible()).toBe(true);
    expect(await row.getByText('Draft').isVisible()).toBe(true);
    await screenshot(page, 'journey-list');

    await e2e.restart();
    await page.goto(e2e.url);
    await expect.poll(() => page.getByRole('link', { name: 'Abandoned cart' }).isVisible()).toBe(true);
  });

  it('renames, duplicates and archives from the list, and imports a journey file (naming what is wrong in a bad one)', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url);
    await page.getByRole('button', { name: 'Rename Abandoned cart' }).click();
    await page.getByLabel('Journey name').fill('Cart rescue');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect
      .poll(() => page.getByRole('link', { name: 'Cart rescue', exact: true }).isVisible())
      .toBe(true);
    await page.getByRole('button', { name: 'Duplicate Cart rescue' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Cart rescue (copy)' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Archive Cart rescue (copy)' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('row', { name: /Cart rescue \(copy\)/ })
          .getByText('Archived')
          .isVisible(),
      )
      .toBe(true);

    const { journeyTemplates } = await import('../../shared/templates');
    const birthday = journeyTemplates.find((template) => template.id === 'birthday')!;
    const bad = {
      waymark: 'journey',
      formatVersion: 1,
      name: 'Broken',
      graph: {
        ...birthday.graph,
        nodes: [{ ...birthday.graph.nodes[0], type: 'trigger.moon-phase' }, birthday.graph.nodes[1]],
      },
    };
    await page.getByLabel('Import journey').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(bad)),
    });
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('trigger.moon-phase');
    const good = { waymark: 'journey', formatVersion: 1, name: 'Birthday greetings', graph: birthday.graph };
    await page.getByLabel('Import journey').setInputFiles({
      name: 'birthday.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(good)),
    });
    await expect.poll(() => page.getByRole('heading', { name: 'Birthday greetings' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('.journey-node').count()).toBe(2);
  });

  it('switches the interface to German', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url);
    await page.getByLabel('Language').selectOption('de');
    await expect.poll(() => page.getByRole('button', { name: 'Neue Journey' }).isVisible()).toBe(true);
    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Neue Journey' }).isVisible()).toBe(true);
  });
});
