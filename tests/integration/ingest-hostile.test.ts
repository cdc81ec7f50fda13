// Ingest never drops a good event: batches with poison messages (NUL, lone surrogates, times
// PostgreSQL cannot hold, deep nesting, non-objects), hostile paths and bodies, posted to the
// running server — never a 5xx, each good message stored exactly once, each bad one named. And the
// browser library's wire format (text/plain, the key in the body, /v1/t … /v1/b, CORS).
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWriteKey } from '../../server/ingest/write-keys';
import { useTestServer } from '../support/test-server';

const app = useTestServer();
let key: string;
beforeAll(async () => {
  key = (await createWriteKey(app.services.db, app.services.defaultWorkspaceId, 'hostile')).key;
});

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
  },
) {
  const response = await fetch(`${app.url}${path}`, { method: 'POST', headers, body });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json().catch(() => null)) as any,
  };
}

async function storedCount(messageIds: string[]): Promise<Map<string, number>> {
  const rows =
    messageIds.length === 0
      ? []
      : await app.services.db
          .selectFrom('events')
          .select('message_id')
          .where('message_id', 'in', messageIds)
          .execute();
  const counts = new Map(messageIds.map((id) => [id, 0]));
  for (const row of rows) counts.set(row.message_id, (counts.get(row.message_id) ?? 0) + 1);
  return counts;
}

/** JSON nested `depth` levels deep, as text (too deep for this side's JSON.stringify). */
function nested(depth: number): string {
  return `${'{"level":'.repeat(depth)}"bottom"${'}'.repeat(depth)}`;
}

/** Messages that cannot be stored as sent, each with the kind of problem it has. */
const poison = [
  {
    kind: 'NUL in a property',
    message: (id: string) => ({
      type: 'track',
      userId: 'fuzz',
      event: 'Poison',
      messageId: id,
      properties: { note: 'a\u0000b' },
    }),
  },
  {
    kind: 'NUL in a trait key',
    message: (id: string) => ({
      type: 'identify',
      userId: 'fuzz',
      messageId: id,
      traits: { 'bad\u0000key': 1 },
    }),
  },
  {
    kind: 'lone surrogate',
    message: (id: string) => ({ type: 'track', userId: 'fuzz', event: 'Poison \ud800', messageId: id }),
  },
  {
    kind: 'lone low surrogate deep inside',
    message: (id: string) => ({
      type: 'track',
      userId: 'fuzz',
      event: 'Poison',
      messageId: id,
      context: { page: { title: 'x\udc00' } },
    }),
  },
  {
    kind: 'timestamp PostgreSQL cannot hold',
    message: (id: string) => ({
      type: 'track',
      userId: 'fuzz',
      event: 'Poison',
      messageId: id,
      timestamp: '+275760-09-13T00:00:00Z',
    }),
  },
  {
    kind: 'timestamp far in the past',
    message: (id: string) => ({
      type: 'track',
      userId: 'fuzz',
      event: 'Poison',
      messageId: id,
      timestamp: '-000100-01-01T00:00:00Z',
    }),
  },
  {
    kind: 'time made invalid by sentAt skew correction',
    message: (id: string) => ({
      type: 'track',
      userId: 'fuzz',
      event: 'Poison',
      messageId: id,
      originalTimestamp: '1901-01-01T00:00:00Z',
      sentAt: '9999-01-01T00:00:00Z',
    }),
  },
  {
    kind: '5,000 levels of nesting',
    message: (id: string) => ({
      type: 'track',
      userId: 'fuzz',
      event: 'Poison',
      messageId: id,
      properties: { deep: '(nested)' },
    }),
    raw: (id: string) =>
      `{"type":"track","userId":"fuzz","event":"Poison","messageId":"${id}","properties":{"deep":${nested(5000)}}}`,
  },
  { kind: 'not an object', message: () => 'just a string' },
  { kind: 'null', message: () => null },
  { kind: 'unknown type', message: (id: string) => ({ type: 'constructor', userId: 'fuzz', messageId: id }) },
];

describe('hostile input', () => {
  it('one poison message of each kind in a batch: 200, the poison named by index and field, every good message stored once', async () => {
    const good = Array.from({ length: poison.length + 1 }, () => randomUUID());
    const batch: string[] = [];
    poison.forEach((entry, index) => {
      batch.push(
        JSON.stringify({ type: 'track', userId: `good-${index}`, event: 'Good', messageId: good[index] }),
      );
      batch.push(
        'raw' in entry && entry.raw ? entry.raw(randomUUID()) : JSON.stringify(entry.message(randomUUID())),
      );
    });
    batch.push(JSON.stringify({ type: 'track', userId: 'good-last', event: 'Good', messageId: good.at(-1) }));
    const response = await post('/v1/batch', `{"batch": [${batch.join(',')}]}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: true, stored: good.length, duplicates: 0 });
    expect(response.body.rejected.map((entry: { index: number }) => entry.index)).toEqual(
      poison.map((_, index) => index * 2 + 1),
    );
    for (const entry of response.body.rejected as Array<{
      errors: Array<{ field: string; message: string }>;
    }>)
      expect(entry.errors[0].message).toBeTruthy();
    const byIndex = new Map(
      (
        response.body.rejected as Array<{ index: number; errors: Array<{ field: string; message: string }> }>
      ).map((entry) => [entry.index, entry.errors[0]]),
    );
    expect(byIndex.get(1)).toEqual({ field: 'properties.note', message: expect.stringContaining('NUL') });
    expect(byIndex.get(5)).toEqual({ field: 'event', message: expect.stringContaining('surrogate') });
    expect(byIndex.get(9)).toEqual({ field: 'timestamp', message: expect.stringContaining('1900') });
    expect(byIndex.get(13)).toEqual({ field: 'sentAt', message: expect.stringContaining('clock') });
    expect(byIndex.get(15)!.message).toContain('deeper than');
    expect([...(await storedCount(good)).values()]).toEqual(good.map(() => 1));
  });

  it('a batch of only poison is 400 and stores nothing; hostile bodies and paths are 4xx, never 5xx', async () => {
    const poisonOnly = await post(
      '/v1/batch',
      JSON.stringify({ batch: [poison[0].message(randomUUID()), poison[2].message(randomUUID())] }),
    );
    expect(poisonOnly.status).toBe(400);
    expect(poisonOnly.body.rejected).toHaveLength(2);
    for (const body of [
      'null',
      '[]',
      '"text"',
      '42',
      '{"batch": null}',
      '{"batch": {}}',
      '{"batch": [null]}',
    ]) {
      const response = await post('/v1/batch', body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
    for (const path of [
      '/v1/__proto__',
      '/v1/constructor',
      '/v1/toString',
      '/v1/hasOwnProperty',
      '/v1/',
      '/v1/track/extra',
    ]) {
      const response = await post(path, '{"userId": "x", "event": "E"}');
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    const single = await post(
      '/v1/track',
      JSON.stringify({ userId: 'x', event: 'E', properties: { a: '\u0000' } }),
    );
    expect(single).toMatchObject({ status: 400, body: { errors: [{ field: 'properties.a' }] } });
  });

  it('duplicates inside one batch are reported as duplicates, not as stored', async () => {
    const id = randomUUID();
    const response = await post(
      '/v1/batch',
      JSON.stringify({
        batch: [
          { type: 'track', userId: 'dup', event: 'Dup', messageId: id },
          { type: 'track', userId: 'dup', event: 'Dup', messageId: id },
          { type: 'track', userId: 'dup', event: 'Dup', messageId: randomUUID() },
        ],
      }),
    );
    expect(response.body).toMatchObject({ accepted: 3, stored: 2, duplicates: 1 });
  });

  it('fuzz: random batches mixing good and hostile messages never get a 5xx; good ones are stored exactly once, bad ones named', async () => {
    const hostileString = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '\u0000',
        'a\u0000',
        '\ud800',
        '\udfff',
        'x\ud83d',
        '\ud83d\ude00',
        '__proto__',
        'constructor',
      ),
    );
    const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        hostileString,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(hostileString, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    const hostileMessage = fc.oneof(
      fc.record(
        {
          type: fc.constantFrom(
            'track',
            'identify',
            'page',
            'screen',
            'group',
            'alias',
            'bogus',
            '__proto__',
          ),
          userId: fc.oneof(hostileString, fc.integer(), fc.constant(null)),
          event: hostileString,
          groupId: hostileString,
          previousId: hostileString,
          properties: hostileValue,
          traits: hostileValue,
          context: hostileValue,
          timestamp: fc.oneof(
            fc.constant(undefined),
            fc.constantFrom(
              '+275760-09-13T00:00:00Z',
              '0000-01-01T00:00:00Z',
              'not a date',
              '2026-02-30T00:00:00Z',
            ),
            fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
          ),
          sentAt: fc.oneof(
            fc.constant(undefined),
            fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
          ),
        },
        { requiredKeys: ['type'] },
      ),
      hostileValue,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant('good' as const), hostileMessage), { minLength: 1, maxLength: 12 }),
        async (entries) => {
          const good: string[] = [];
          const batch = entries.map((entry) => {
            if (entry !== 'good') return entry;
            const id = randomUUID();
            good.push(id);
            return {
              type: 'track',
              userId: `fuzz-${id}`,
              event: 'Fuzz Good',
              messageId: id,
              properties: { n: good.length },
            };
          });
          const response = await post('/v1/batch', JSON.stringify({ batch }));
          expect(response.status).toBeLessThan(500);
          if (good.length > 0) expect(response.status).toBe(200);
          expect([...(await storedCount(good)).values()]).toEqual(good.map(() => 1));
          const rejected = new Set(
            ((response.body?.rejected ?? []) as Array<{ index: number }>).map((entry) => entry.index),
          );
          batch.forEach((message, index) => {
            if (good.includes((message as { messageId?: string })?.messageId ?? ''))
              expect(rejected.has(index)).toBe(false);
          });
          if (response.status === 200) expect(response.body.accepted + rejected.size).toBe(batch.length);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("the browser library's wire format", () => {
  const plain = { 'Content-Type': 'text/plain', Origin: 'https://shop.example.com' };

  it("answers the preflight from a shop's origin", async () => {
    const response = await fetch(`${app.url}/v1/t`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://shop.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('takes /v1/t, /v1/p, /v1/i, /v1/g, /v1/a, /v1/s and /v1/b as text/plain with the write key in the body', async () => {
    const ids = {
      t: randomUUID(),
      p: randomUUID(),
      i: randomUUID(),
      g: randomUUID(),
      s: randomUUID(),
      b: randomUUID(),
    };
    const anonymousId = `browser-${randomUUID()}`;
    const calls: Array<[string, object]> = [
      [
        '/v1/p',
        {
          type: 'page',
          anonymousId,
          name: 'Cart',
          category: 'Shop',
          properties: { path: '/cart' },
          messageId: ids.p,
          integrations: { All: true },
        },
      ],
      [
        '/v1/t',
        { type: 'track', anonymousId, event: 'Product Added', properties: { sku: 'A-1' }, messageId: ids.t },
      ],
      [
        '/v1/i',
        {
          type: 'identify',
          anonymousId,
          userId: `${anonymousId}-user`,
          traits: { email: 'b@example.com' },
          messageId: ids.i,
        },
      ],
      [
        '/v1/g',
        {
          type: 'group',
          userId: `${anonymousId}-user`,
          groupId: 'acme',
          traits: { name: 'Acme' },
          messageId: ids.g,
        },
      ],
      ['/v1/s', { type: 'screen', userId: `${anonymousId}-user`, name: 'Home', messageId: ids.s }],
      ['/v1/a', { type: 'alias', userId: `${anonymousId}-user`, previousId: `${anonymousId}-old` }],
      [
        '/v1/b',
        {
          batch: [
            { type: 'track', userId: `${anonymousId}-user`, event: 'Checkout Started', messageId: ids.b },
          ],
        },
      ],
    ];
    for (const [path, body] of calls) {
      const response = await post(
        path,
        JSON.stringify({ ...body, writeKey: key, sentAt: new Date().toISOString() }),
        plain,
      );
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    expect([...(await storedCount(Object.values(ids))).values()]).toEqual(Object.values(ids).map(() => 1));
    const page = await app.services.db
      .selectFrom('events')
      .selectAll()
      .where('message_id', '=', ids.p)
      .executeTakeFirstOrThrow();
    expect(page.properties).toMatchObject({ path: '/cart', name: 'Cart', category: 'Shop' });
    expect(page.context).toMatchObject({ integrations: { All: true } });
    const screen = await app.services.db
      .selectFrom('events')
      .selectAll()
      .where('message_id', '=', ids.s)
      .executeTakeFirstOrThrow();
    expect(screen.properties).toMatchObject({ name: 'Home' });
    const group = await app.services.db
      .selectFrom('events')
      .selectAll()
      .where('message_id', '=', ids.g)
      .executeTakeFirstOrThrow();
    expect(group.properties).toMatchObject({ groupId: 'acme', name: 'Acme' });
  });

  it('keeps an explicit timestamp as sent; derives the time from originalTimestamp and sentAt when there is none', async () => {
    const [explicit, derived] = [randomUUID(), randomUUID()];
    const skew = 3_600_000; // the client's clock is an hour ahead
    const now = Date.now();
    await post(
      '/v1/t',
      JSON.stringify({
        writeKey: key,
        type: 'track',
        userId: 'clock',
        event: 'Explicit',
        messageId: explicit,
        timestamp: '2026-01-05T10:00:00.000Z',
        sentAt: new Date(now + skew).toISOString(),
      }),
      plain,
    );
    await post(
      '/v1/t',
      JSON.stringify({
        writeKey: key,
        type: 'track',
        userId: 'clock',
        event: 'Derived',
        messageId: derived,
        originalTimestamp: new Date(now + skew - 5000).toISOString(),
        sentAt: new Date(now + skew).toISOString(),
      }),
      plain,
    );
    const rows = await app.services.db
      .selectFrom('events')
      .select(['message_id', 'occurred_at'])
      .where('message_id', 'in', [explicit, derived])
      .execute();
    const at = new Map(rows.map((row) => [row.message_id, row.occurred_at.getTime()]));
    expect(new Date(at.get(explicit)!).toISOString()).toBe('2026-01-05T10:00:00.000Z');
    expect(Math.abs(at.get(derived)! - (now - 5000))).toBeLessThan(2000); // skew corrected: 5 s before it reached us
  });

  it("a key limited to the shop's own sites takes their calls and no one else's; servers send without an Origin", async () => {
    const limited = (
      await createWriteKey(app.services.db, app.services.defaultWorkspaceId, 'shop only', undefined, [
        'https://shop.example.com',
      ])
    ).key;
    const call = (messageId: string) =>
      JSON.stringify({ writeKey: limited, type: 'track', userId: 'origins', event: 'Viewed', messageId });
    const [own, foreign, server] = [randomUUID(), randomUUID(), randomUUID()];
    const allowed = await post('/v1/t', call(own), plain);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('*');
    const refused = await post('/v1/t', call(foreign), { ...plain, Origin: 'https://evil.example.net' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('https://evil.example.net');
    expect(refused.body.errors[0]).toMatchObject({ field: 'Origin' });
    // Without Access-Control-Allow-Origin the foreign page cannot even read the answer.
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post('/v1/t', call(server), { 'Content-Type': 'text/plain' })).status).toBe(200);
    const stored = await app.services.db
      .selectFrom('events')
      .select('message_id')
      .where('message_id', 'in', [own, foreign, server])
      .execute();
    expect(stored.map((row) => row.message_id).sort()).toEqual([own, server].sort());
  });
});
