// Contract tests of the Segment-compatible HTTP API, with the spec's own example payloads.
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../server/http/http-server';
import { createWriteKey, revokeWriteKey } from '../../server/ingest/write-keys';
import { IngestGroupCommitter } from '../../server/ingest/group-commit';
import { startSession } from '../../server/accounts/accounts';
import { buildGraph, drainSteps, publishGraph } from '../support/engine-harness';
import { useTestServer } from '../support/test-server';

const app = useTestServer();
let key: string;
beforeAll(async () => {
  key = (await createWriteKey(app.services.db, app.services.defaultWorkspaceId, 'tests')).key;
});

function post(
  path: string,
  body: unknown,
  options: { key?: string | null; gzip?: boolean; raw?: string } = {},
) {
  const writeKey = options.key === undefined ? key : options.key;
  const text = options.raw ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (writeKey) headers.Authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  let payload: string | Uint8Array = text;
  if (options.gzip) {
    headers['Content-Encoding'] = 'gzip';
    payload = new Uint8Array(gzipSync(text));
  }
  return fetch(`${app.url}${path}`, { method: 'POST', headers, body: payload as BodyInit }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as any }),
  );
}

async function profileByUser(userId: string) {
  return app.services.db.selectFrom('profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
}
async function eventsOf(profileId: string) {
  return app.services.db
    .selectFrom('events')
    .selectAll()
    .where('profile_id', '=', profileId)
    .orderBy('occurred_at')
    .execute();
}

describe('Segment-compatible ingest', () => {
  it('identify (spec example) creates the profile with its traits', async () => {
    const response = await post('/v1/identify', {
      userId: '019mr8mf4r',
      traits: { email: 'pgibbons@example.com', name: 'Peter Gibbons', industry: 'Technology' },
      context: { ip: '24.5.68.47' },
      timestamp: '2012-12-02T00:30:08.276Z',
    });
    expect(response).toMatchObject({ status: 200, body: { success: true } });
    const profile = await profileByUser('019mr8mf4r');
    expect(profile!.traits).toMatchObject({ email: 'pgibbons@example.com', name: 'Peter Gibbons' });
    await post('/v1/identify', { userId: '019mr8mf4r', traits: { plan: 'pro' } });
    expect((await profileByUser('019mr8mf4r'))!.traits).toMatchObject({
      email: 'pgibbons@example.com',
      plan: 'pro',
    });
  });

  it("track (spec example) stores the event with the client's time and our receive time", async () => {
    const response = await post('/v1/track', {
      userId: '019mr8mf4r',
      event: 'Item Purchased',
      properties: { name: 'Leap to Conclusions Mat', revenue: 14.99 },
      context: { ip: '24.5.68.47' },
      timestamp: '2012-12-02T00:30:12.984Z',
    });
    expect(response.status).toBe(200);
    const events = await eventsOf((await profileByUser('019mr8mf4r'))!.id);
    const purchase = events.find((event) => event.name === 'Item Purchased')!;
    expect(purchase.properties).toEqual({ name: 'Leap to Conclusions Mat', revenue: 14.99 });
    expect(purchase.occurred_at.toISOString()).toBe('2012-12-02T00:30:12.984Z');
    expect(purchase.received_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('page, screen and group calls are stored too', async () => {
    expect(
      (
        await post('/v1/page', {
          userId: 'u-page',
          name: 'Tracking HTTP API',
          properties: { url: 'https://example.com/docs' },
        })
      ).status,
    ).toBe(200);
    expect((await post('/v1/screen', { userId: 'u-page', name: 'Home' })).status).toBe(200);
    expect(
      (
        await post('/v1/group', {
          userId: 'u-page',
          groupId: '0e8c78ea9d97a7b8185e8632',
          traits: { name: 'Initech' },
        })
      ).status,
    ).toBe(200);
    const names = (await eventsOf((await profileByUser('u-page'))!.id)).map((event) => event.name).sort();
    expect(names).toEqual(['Group', 'Page Viewed', 'Screen Viewed']);
  });

  it('the same messageId sent twice is stored once', async () => {
    const message = { userId: 'u-dedupe', event: 'Signed Up', messageId: 'msg-42' };
    expect((await post('/v1/track', message)).body).toMatchObject({ stored: 1 });
    expect((await post('/v1/track', message)).body).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await eventsOf((await profileByUser('u-dedupe'))!.id)).toHaveLength(1);
  });

  it('anonymous activity joins the known user on identify and on alias: one profile keeps every event', async () => {
    await post('/v1/track', { anonymousId: 'anon-1', event: 'Product Viewed' });
    await post('/v1/track', { anonymousId: 'anon-1', event: 'Cart Viewed' });
    await post('/v1/identify', {
      anonymousId: 'anon-1',
      userId: 'u-known',
      traits: { email: 'k@example.com' },
    });
    await post('/v1/track', { anonymousId: 'anon-2', event: 'Product Viewed' });
    await post('/v1/identify', { userId: 'u-known', traits: { plan: 'pro' } });
    await post('/v1/alias', { previousId: 'anon-2', userId: 'u-known' });
    const profile = (await profileByUser('u-known'))!;
    expect(
      (await eventsOf(profile.id))
        .map((event) => event.name)
        .filter((name) => name !== 'Identify' && name !== 'Alias'),
    ).toEqual(['Product Viewed', 'Cart Viewed', 'Product Viewed']);
    const identities = await app.services.db
      .selectFrom('profile_identities')
      .select(['kind', 'value', 'profile_id'])
      .where('value', 'in', ['anon-1', 'anon-2', 'u-known'])
      .execute();
    expect(identities.every((identity) => identity.profile_id === profile.id)).toBe(true);
    expect(identities).toHaveLength(3);
  });

  it('a batch with good and bad messages stores the good ones and says which were rejected', async () => {
    const response = await post('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'u-batch', traits: { email: 'b@example.com' } },
        { type: 'track', userId: 'u-batch', properties: {} },
        { type: 'track', userId: 'u-batch', event: 'Order Completed', properties: { total: 30 } },
        { type: 'launch', userId: 'u-batch' },
        { type: 'track', event: 'No one did this' },
      ],
      context: { library: { name: 'analytics-node' } },
    });
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(2);
    expect(response.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3, 4]);
    expect(response.body.rejected[0].errors[0]).toMatchObject({ field: 'event' });
    expect(response.body.rejected[1].errors[0]).toMatchObject({ field: 'type' });
    expect(response.body.rejected[2].errors[0]).toMatchObject({
      field: 'userId',
      message: 'either userId or anonymousId is required',
    });
    const events = await eventsOf((await profileByUser('u-batch'))!.id);
    expect(events.map((event) => event.name)).toEqual(['Identify', 'Order Completed']);
    expect(events[1].context).toMatchObject({ library: { name: 'analytics-node' } });
  });

  it('a gzip body is accepted', async () => {
    const response = await post(
      '/v1/batch',
      { batch: [{ type: 'track', userId: 'u-gzip', event: 'Zipped' }] },
      { gzip: true },
    );
    expect(response.status).toBe(200);
    expect(await eventsOf((await profileByUser('u-gzip'))!.id)).toHaveLength(1);
  });

  it('bad input: 400 naming the field, 401 without a valid key, 413 when too large — nothing stored', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(app.services.db);
    const missingEvent = await post('/v1/track', { userId: 'u-bad' });
    expect(missingEvent.status).toBe(400);
    expect(missingEvent.body.errors).toContainEqual({
      field: 'event',
      message: expect.stringContaining('event'),
    });
    expect((await post('/v1/track', null, { raw: '{not json' })).status).toBe(400);
    expect((await post('/v1/batch', { batch: 'nope' })).body.error).toContain('batch');
    expect((await post('/v1/track', { userId: 'u-bad', event: 'X' }, { key: null })).status).toBe(401);
    expect((await post('/v1/track', { userId: 'u-bad', event: 'X' }, { key: 'wk_not-a-key' })).status).toBe(
      401,
    );
    expect(
      (await post('/v1/track', { userId: 'u-bad', event: 'X', properties: { blob: 'x'.repeat(40_000) } }))
        .status,
    ).toBe(413);
    expect(
      (
        await post(
          '/v1/batch',
          {
            batch: [
              { type: 'track', userId: 'u-bad', event: 'X', properties: { blob: 'x'.repeat(600_000) } },
            ],
          },
          { gzip: true },
        )
      ).status,
    ).toBe(413);
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(app.services.db);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('a revoked key stops working', async () => {
    const extra = await createWriteKey(app.services.db, app.services.defaultWorkspaceId, 'temporary');
    expect((await post('/v1/track', { userId: 'u-rev', event: 'X' }, { key: extra.key })).status).toBe(200);
    await revokeWriteKey(app.services.db, app.services.defaultWorkspaceId, extra.id);
    expect((await post('/v1/track', { userId: 'u-rev', event: 'X' }, { key: extra.key })).status).toBe(401);
  });

  it('a tracked event starts the journey it triggers, once per qualifying event', async () => {
    const journeyId = await publishGraph(
      app.services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Cart Abandoned' } },
          { id: 'm', type: 'touchpoint.email', config: { subject: 'Your cart' } },
        ],
        [['t', 'm']],
      ),
    );
    await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u-cart', event: 'Cart Abandoned', messageId: 'cart-1' },
        { type: 'track', userId: 'u-cart', event: 'Cart Abandoned', messageId: 'cart-1' },
        { type: 'track', userId: 'u-other', event: 'Cart Viewed' },
      ],
    });
    await post('/v1/track', { userId: 'u-cart', event: 'Cart Abandoned', messageId: 'cart-1' });
    await drainSteps(app.services);
    const runs = await app.services.db
      .selectFrom('runs')
      .select(['profile_id', 'status'])
      .where('journey_id', '=', journeyId)
      .execute();
    expect(runs).toEqual([{ profile_id: (await profileByUser('u-cart'))!.id, status: 'completed' }]);
  });

  it('a threshold trigger fires when lifetime spend crosses 5,000 — once', async () => {
    const journeyId = await publishGraph(
      app.services,
      buildGraph(
        [
          {
            id: 't',
            type: 'trigger.threshold',
            config: { measure: 'sum', event: 'Order Completed', property: 'total', value: 5000 },
          },
          {
            id: 'tag',
            type: 'action.update-profile',
            config: { operations: [{ op: 'addTag', tag: 'vip' }] },
          },
        ],
        [['t', 'tag']],
      ),
    );
    await post('/v1/track', { userId: 'u-vip', event: 'Order Completed', properties: { total: 3000 } });
    expect(
      await app.services.db.selectFrom('runs').select('id').where('journey_id', '=', journeyId).execute(),
    ).toHaveLength(0);
    await post('/v1/track', { userId: 'u-vip', event: 'Order Completed', properties: { total: 2500 } });
    await post('/v1/track', { userId: 'u-vip', event: 'Order Completed', properties: { total: 100 } });
    await drainSteps(app.services);
    expect(
      await app.services.db.selectFrom('runs').select('id').where('journey_id', '=', journeyId).execute(),
    ).toHaveLength(1);
    expect((await profileByUser('u-vip'))!.tags).toEqual(['vip']);
  });

  it('an "entered segment" trigger fires when identify changes traits into the condition', async () => {
    const journeyId = await publishGraph(
      app.services,
      buildGraph(
        [
          {
            id: 't',
            type: 'trigger.segment',
            config: {
              condition: {
                match: 'all',
                rules: [{ kind: 'attribute', source: 'trait', path: 'plan', op: 'eq', value: 'enterprise' }],
              },
            },
          },
          { id: 'm', type: 'touchpoint.email', config: { subject: 'Welcome aboard' } },
        ],
        [['t', 'm']],
      ),
    );
    await post('/v1/identify', { userId: 'u-seg', traits: { plan: 'free' } });
    await post('/v1/identify', { userId: 'u-seg', traits: { plan: 'enterprise' } });
    await post('/v1/identify', { userId: 'u-seg', traits: { plan: 'enterprise', seats: 40 } });
    expect(
      await app.services.db.selectFrom('runs').select('id').where('journey_id', '=', journeyId).execute(),
    ).toHaveLength(1);
  });
});

describe('oversized requests', () => {
  it('are refused with 413 on every route that takes a body', async () => {
    const big = (size: number) => JSON.stringify({ name: 'x'.repeat(size) });
    const me = await app.services.caller().accounts.me();
    const session = `waymark_session=${await startSession(app.services.db, me.userId, app.services.defaultWorkspaceId)}`;
    const headers = {
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      cookie: session,
      'x-waymark-csrf': '1',
    };
    const send = (path: string, body: string, contentType = 'application/json') =>
      fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': contentType },
        body,
      }).then((response) => response.status);
    expect(await send('/trpc/journeys.create', JSON.stringify({ name: 'Fits' }))).toBe(200);
    expect(await send('/auth/login', big(20_000))).toBe(413);
    expect(await send('/auth/signup', big(20_000))).toBe(413);
    expect(await send('/trpc/journeys.create', big(6 * 1024 * 1024))).toBe(413);
    expect(await send('/v1/identify', big(40_000))).toBe(413);
    expect(await send('/v1/batch', big(600_000))).toBe(413);
    expect(
      await send('/p/anything.forged', 'email=1&x='.padEnd(10_000, 'x'), 'application/x-www-form-urlencoded'),
    ).toBe(400); // a forged link is refused before its body is read
  });
});

describe('HTTP hardening', () => {
  it('sends security headers with a CSP, and limits ingest requests per write key', async () => {
    const status = await fetch(`${app.url}/auth/status`);
    expect(status.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(status.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(status.headers.get('x-frame-options')).toBe('DENY');
    expect(status.headers.get('x-content-type-options')).toBe('nosniff');

    const limited = await startHttpServer(app.services, {
      port: 0,
      host: '127.0.0.1',
      clientDir: '/nonexistent',
      ingestRequestsPerSecond: 5,
    });
    try {
      const other = (await createWriteKey(app.services.db, app.services.defaultWorkspaceId, 'second site'))
        .key;
      const track = (writeKey: string, n: number) =>
        fetch(`${limited.url}/v1/track`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
          },
          body: JSON.stringify({
            userId: 'rate-limited',
            event: 'Flood',
            messageId: `flood-${writeKey.slice(-6)}-${n}`,
          }),
        });
      const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => track(key, n)));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((code) => code === 200).length).toBeLessThanOrEqual(11);
      expect(statuses.filter((code) => code === 429).length).toBeGreaterThanOrEqual(19);
      expect(
        Number(answers.find((answer) => answer.status === 429)!.headers.get('retry-after')),
      ).toBeGreaterThanOrEqual(1);
      // Older Segment libraries read X-RateLimit-Reset (seconds) instead.
      expect(answers.find((answer) => answer.status === 429)!.headers.get('x-ratelimit-reset')).toBe(
        answers.find((answer) => answer.status === 429)!.headers.get('retry-after'),
      );
      expect((await track(other, 0)).status).toBe(200); // another key has its own allowance
      const stored = await app.services.db
        .selectFrom('events')
        .select('message_id')
        .where('name', '=', 'Flood')
        .execute();
      expect(stored.length).toBe(statuses.filter((code) => code === 200).length + 1); // refused calls store nothing
    } finally {
      await limited.close();
    }
  });
});

describe('calls arriving together', () => {
  it("are stored in arrival order for each customer, while other customers' calls go alongside", async () => {
    const committer = new IngestGroupCommitter(app.services);
    const calls: Array<Promise<unknown>> = [];
    for (let n = 0; n < 40; n++) {
      calls.push(
        committer.submit(app.services.defaultWorkspaceId, [
          { type: 'identify', userId: 'order-a', traits: { step: n }, context: {} } as never,
        ]),
      );
      calls.push(
        committer.submit(app.services.defaultWorkspaceId, [
          { type: 'identify', userId: `order-other-${n}`, traits: { step: n }, context: {} } as never,
        ]),
      );
      calls.push(
        committer.submit(app.services.defaultWorkspaceId, [
          {
            type: 'identify',
            userId: 'order-b',
            anonymousId: `order-anon-${n % 3}`,
            traits: { step: n },
            context: {},
          } as never,
        ]),
      );
    }
    await Promise.all(calls);
    expect((await profileByUser('order-a'))!.traits).toMatchObject({ step: 39 });
    expect((await profileByUser('order-b'))!.traits).toMatchObject({ step: 39 });
    expect((await profileByUser('order-other-39'))!.traits).toMatchObject({ step: 39 });
    const identities = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM profile_identities WHERE value LIKE 'order-anon-%'`.execute(
      app.services.db,
    );
    expect(identities.rows[0].n).toBe(3);
  });
});
