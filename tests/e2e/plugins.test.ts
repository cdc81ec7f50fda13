// A plugin's node types appear in the palette with their icon and category, and get an
// inspector form from their schema — with no client build.
import { describe, expect, it } from 'vitest';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';

const e2e = useE2eApp({ WAYMARK_PLUGINS: './server/plugins/examples/acme-crm.ts' });

describe('plugin node types on the canvas', () => {
  it('are found in the palette and configured through a generated form', async () => {
    const page = await loggedInPage(e2e.browser, e2e.url, { viewport: { width: 1500, height: 950 } });
    await page.getByRole('button', { name: 'New journey' }).click();
    await page.getByLabel('Journey name').fill('Sales follow-up');
    await page.getByRole('button', { name: 'Create journey' }).click();
    await page.getByLabel('Search nodes').fill('crm');
    const add = page.getByRole('button', { name: 'Add Create CRM task' });
    await expect.poll(() => add.isVisible()).toBe(true);
    expect(await page.getByRole('region', { name: 'Actions' }).getByRole('button').count()).toBe(1);
    await add.click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await expect
      .poll(() => inspector.getByLabel('Endpoint').inputValue())
      .toBe('https://crm.example.com/api/tasks');
    await inspector.getByLabel('Title').fill('Call {{ profile.firstName }} today');
    await inspector.getByLabel('Due in days').fill('0');
    expect(await inspector.getByLabel('Priority').isVisible()).toBe(true);
    await expect
      .poll(() => page.getByTestId('node-create-crm-task-1').textContent())
      .toContain('CRM task “Call {{ profile.firstName }} today” due in 0 d');
    await screenshot(page, 'plugin-node');
  });
});
