// Segment's own browser library (analytics-next), unchanged, on a shop page of another origin in
// Chromium, pointed at Waymark: its identify, page, group and track calls arrive as it sends them
// (text/plain, the write key in the body, CORS) and land on one profile.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteKey } from '../../server/ingest/write-keys';
import { useE2eApp } from '../support/e2e-app';

const e2e = useE2eApp();
let shop: http.Server;
let shopUrl: string;

beforeAll(async () => {
  const library = await readFile(
    createRequire(import.meta.url).resolve('@segment/analytics-next/dist/umd/index.js'),
    'utf8',
  );
  shop = http.createServer((request, response) => {
    if (request.url === '/analytics.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(library);
      return;
    }
    response
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end('<!doctype html><title>Shop</title><script src="/analytics.js"></script><h1>Shop</h1>');
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => shop?.close(resolve));
});

describe("Segment's browser library", () => {
  it("sends identify, page, group and track from a shop's page; Waymark stores them on one profile", async () => {
    const { db } = e2e.database;
    const workspace = await sql<{
      id: string;
    }>`SELECT id FROM workspaces ORDER BY created_at LIMIT 1`.execute(db);
    const { key } = await createWriteKey(db, workspace.rows[0].id, 'shop website', undefined, [shopUrl]);
    const api = new URL(e2e.url);
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(shopUrl);
      await page.evaluate(
        async ({ writeKey, apiHost }) => {
          const { AnalyticsBrowser } = (window as any).AnalyticsNext;
          // The settings Segment's CDN would answer, given here: Waymark is the only destination.
          const [analytics] = await AnalyticsBrowser.load({
            writeKey,
            cdnSettings: { integrations: { 'Segment.io': { apiKey: writeKey, apiHost, protocol: 'http' } } },
          });
          await analytics.identify('browser-marie', { email: 'marie@example.ch', firstName: 'Marie' });
          await analytics.page('Docs', 'Pricing', { plan: 'pro' });
          await analytics.group('acme-ag', { name: 'Acme AG', employees: 40 });
          await analytics.track('Order Completed', { total: 129, currency: 'CHF' });
        },
        { writeKey: key, apiHost: `${api.host}/v1` },
      );
      await expect
        .poll(
          async () =>
            (
              await db
                .selectFrom('events')
                .innerJoin('profiles', 'profiles.id', 'events.profile_id')
                .select('events.name')
                .where('profiles.user_id', '=', 'browser-marie')
                .execute()
            )
              .map((row) => row.name)
              .sort(),
          { timeout: 15_000 },
        )
        .toEqual(['Group', 'Identify', 'Order Completed', 'Page Viewed']);
      const profile = await db
        .selectFrom('profiles')
        .selectAll()
        .where('user_id', '=', 'browser-marie')
        .executeTakeFirstOrThrow();
      expect(profile.traits).toMatchObject({ email: 'marie@example.ch', firstName: 'Marie' });
      expect(profile.group_id).toBe('acme-ag');
      const events = await db
        .selectFrom('events')
        .select(['name', 'properties', 'context'])
        .where('profile_id', '=', profile.id)
        .execute();
      const viewed = events.find((event) => event.name === 'Page Viewed')!;
      expect(viewed.properties).toMatchObject({ name: 'Pricing', category: 'Docs', plan: 'pro' });
      const order = events.find((event) => event.name === 'Order Completed')!;
      expect(order.properties).toEqual({ total: 129, currency: 'CHF' });
      expect(order.context).toMatchObject({
        library: { name: 'analytics.js' },
        page: { url: `${shopUrl}/` },
      });
      const group = await db
        .selectFrom('groups')
        .select('traits')
        .where('group_id', '=', 'acme-ag')
        .executeTakeFirstOrThrow();
      expect(group.traits).toMatchObject({ name: 'Acme AG', employees: 40 });
    } finally {
      await context.close();
    }
  });
});
