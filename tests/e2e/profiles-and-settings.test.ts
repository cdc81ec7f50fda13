// A marketer creates a write key, a site sends events with it, and the customer shows up in Profiles.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loggedInPage, screenshot } from '../support/browser';
import { useE2eApp } from '../support/e2e-app';

const e2e = useE2eApp();

describe('profiles and settings', () => {
  it('a write key made in Settings ingests events that appear on the profile page', async () => {
    const page = await loggedInPage(e2e.browser, `${e2e.url}/settings`);
    page.setDefaultTimeout(15_000);
    try {
      await steps(page);
    } catch (error) {
      await screenshot(page, 'profiles-and-settings-failure');
      throw error;
    }
  });
});

async function steps(page: Page): Promise<void> {
  {
    await page.getByLabel('Key name').fill('Website');
    await page.getByLabel('Only from these websites (optional)').fill('https://shop.example.com');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-write-key').textContent())!;
    expect(key).toMatch(/^wk_/);
    await expect
      .poll(() => page.getByRole('listitem').filter({ hasText: 'Website' }).textContent())
      .toContain('only from https://shop.example.com');
    await screenshot(page, 'settings');

    const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const send = (path: string, body: unknown) =>
      fetch(`${e2e.url}${path}`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (
        await send('/v1/identify', {
          userId: 'marie',
          traits: { email: 'marie@example.ch', firstName: 'Marie' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await send('/v1/track', { userId: 'marie', event: 'Order Completed', properties: { total: 129 } }))
        .status,
    ).toBe(200);

    await page.getByRole('link', { name: 'Profiles' }).click();
    await page.getByLabel('Search by id, email or trait').fill('marie@');
    await page.getByRole('link', { name: 'marie' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'marie' }).isVisible()).toBe(true);
    expect(await page.getByRole('strong').filter({ hasText: 'Order Completed' }).first().isVisible()).toBe(
      true,
    );
    expect(await page.getByRole('definition').filter({ hasText: 'marie@example.ch' }).isVisible()).toBe(true);
    await screenshot(page, 'profile');

    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Write keys' }).isVisible()).toBe(true);
    // What the server has, not what this tab remembers: a fresh load lists the key.
    await page.reload();
    await page.getByRole('button', { name: 'Revoke Website' }).click();
    await expect.poll(() => page.getByText('revoked').isVisible()).toBe(true);
    expect((await send('/v1/track', { userId: 'marie', event: 'Order Completed' })).status).toBe(401);

    // Her data: exported as a JSON file, then deleted for good.
    await page.getByRole('link', { name: 'Profiles' }).click();
    await page.getByLabel('Search by id, email or trait').fill('marie@');
    await page.getByRole('link', { name: 'marie' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export data (JSON)' }).click(),
    ]);
    const exported = JSON.parse(await streamText(await download.createReadStream())) as {
      profile: { userId: string };
      events: Array<{ name: string }>;
    };
    expect(exported.profile.userId).toBe('marie');
    expect(exported.events.map((event) => event.name)).toContain('Order Completed');
    await page.getByRole('button', { name: 'Delete profile…' }).click();
    await page.getByRole('button', { name: 'Delete everything' }).click();
    await expect.poll(() => page.getByLabel('Search by id, email or trait').isVisible()).toBe(true);
    await page.getByLabel('Search by id, email or trait').fill('marie');
    await expect.poll(() => page.getByRole('link', { name: 'marie' }).count()).toBe(0);
  }
}

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
