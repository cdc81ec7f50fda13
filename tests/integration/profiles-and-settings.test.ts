// Profiles and settings through tRPC; the health score as customers act.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledTriggers } from '../../server/engine/scheduled-triggers';
import { ingestMessages } from '../../server/ingest/ingest-messages';
import { authenticateWriteKey } from '../../server/ingest/write-keys';
import { buildGraph, createProfile, drainSteps, publishGraph, track } from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

const ingest = (messages: Parameters<typeof ingestMessages>[2]) =>
  ingestMessages(services, services.defaultWorkspaceId, messages);

describe('profiles API', () => {
  it('finds a profile by email or id and shows its traits, events and journeys', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Signed Up' } },
          { id: 'm', type: 'touchpoint.email', config: { subject: 'Hi' } },
        ],
        [['t', 'm']],
      ),
      { name: 'Welcome series' },
    );
    await ingest([
      { type: 'identify', userId: 'ada', traits: { email: 'ada@example.com', firstName: 'Ada' } },
      { type: 'track', userId: 'ada', event: 'Signed Up', properties: { plan: 'pro' } },
    ]);
    const api = services.caller();
    const found = await api.profiles.search({ query: 'ada@example' });
    expect(found.profiles.map((profile) => profile.user_id)).toEqual(['ada']);
    expect((await api.profiles.search({ query: 'ada' })).profiles).toHaveLength(1);
    expect((await api.profiles.search({ query: 'nobody-like-this' })).profiles).toHaveLength(0);
    const detail = await api.profiles.get({ id: found.profiles[0].id });
    expect(detail.profile.traits).toMatchObject({ firstName: 'Ada' });
    expect(detail.events.map((event) => event.name)).toContain('Signed Up');
    expect(detail.runs).toEqual([
      expect.objectContaining({ journey_id: journeyId, journey_name: 'Welcome series', version: 1 }),
    ]);
    expect(detail.identities).toEqual([{ kind: 'user', value: 'ada' }]);
  });

  it('another workspace sees none of it', async () => {
    const other = await services.db
      .insertInto('workspaces')
      .values({ name: 'Other' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const mine = (await services.caller().profiles.search({ query: 'ada' })).profiles[0];
    const theirs = services.caller(other.id);
    expect((await theirs.profiles.search({})).profiles).toEqual([]);
    await expect(theirs.profiles.get({ id: mine.id })).rejects.toThrow(/not found/);
  });
});

describe('personal data', () => {
  it('exports everything about a customer as JSON and deletes it all for good; stats keep their counts', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Joined Club' } },
          { id: 'm', type: 'touchpoint.email', config: { subject: 'Welcome to the club' } },
          { id: 'w', type: 'wait.delay', config: { duration: { amount: 2, unit: 'seconds' } } },
          { id: 'm2', type: 'touchpoint.email', config: { subject: 'Second' } },
        ],
        [
          ['t', 'm'],
          ['m', 'w'],
          ['w', 'm2'],
        ],
      ),
    );
    const forgotten = await createProfile(
      services,
      { email: 'forget-me@example.com', firstName: 'Fay' },
      'fay',
    );
    const kept = await createProfile(services, { email: 'keep-me@example.com' }, 'kim');
    await track(services, forgotten, 'Joined Club', { card: 'gold' });
    await track(services, kept, 'Joined Club');
    await drainSteps(services);
    const api = services.caller();

    const exported = await api.profiles.exportData({ id: forgotten });
    expect(exported.profile).toMatchObject({
      userId: 'fay',
      traits: { email: 'forget-me@example.com', firstName: 'Fay' },
    });
    expect(exported.identities).toEqual([{ kind: 'user', value: 'fay' }]);
    expect(exported.events.map((event) => event.name)).toContain('Joined Club');
    expect(exported.journeys).toEqual([
      expect.objectContaining({
        status: 'waiting',
        current_node: 'w',
        steps: expect.arrayContaining([expect.objectContaining({ node_id: 'm', port: 'out' })]),
      }),
    ]);
    expect(exported.messages).toEqual([
      expect.objectContaining({ channel: 'email', recipient: 'forget-me@example.com' }),
    ]);

    const statsBefore = await api.stats.journey({ journeyId });
    await expect(services.caller(undefined, 'editor').profiles.delete({ id: forgotten })).rejects.toThrow(
      /admin/i,
    );
    await expect(services.caller(undefined, 'viewer').profiles.exportData({ id: forgotten })).rejects.toThrow(
      /admin/i,
    );
    expect(await api.profiles.delete({ id: forgotten })).toEqual({ deleted: true });
    const left = async (
      table:
        | 'events'
        | 'runs'
        | 'messages'
        | 'waits'
        | 'profile_identities'
        | 'profile_metrics'
        | 'trigger_firings',
    ) =>
      Number(
        (
          await services.db
            .selectFrom(table)
            .select(sql<number>`count(*)`.as('n'))
            .where('profile_id', '=', forgotten)
            .executeTakeFirstOrThrow()
        ).n,
      );
    for (const table of [
      'events',
      'runs',
      'messages',
      'waits',
      'profile_identities',
      'profile_metrics',
      'trigger_firings',
    ] as const)
      expect({ table, rows: await left(table) }).toEqual({ table, rows: 0 });
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM steps s WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id)`.execute(
      services.db,
    );
    expect(rows[0].n).toBe(0);
    await expect(api.profiles.get({ id: forgotten })).rejects.toThrow(/not found/);
    await expect(api.profiles.delete({ id: forgotten })).rejects.toThrow(/not found/);
    expect((await api.profiles.search({ query: 'forget-me' })).profiles).toEqual([]);
    // Counts are anonymous and stay; the other customer goes on through the journey.
    const statsAfter = await api.stats.journey({ journeyId });
    expect(statsAfter.nodes.m.entered).toBe(statsBefore.nodes.m.entered);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await drainSteps(services);
    const keptRun = await services.db
      .selectFrom('runs')
      .select(['status', 'current_node'])
      .where('profile_id', '=', kept)
      .executeTakeFirstOrThrow();
    expect(keptRun.status).toBe('completed');
    const auditLog = await api.accounts.audit();
    expect(auditLog.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['profile.deleted', 'profile.exported']),
    );
    expect(JSON.stringify(auditLog)).not.toContain('forget-me@example.com');
    // Another workspace can neither read nor delete a profile that is not its own.
    const other = await services.db
      .insertInto('workspaces')
      .values({ name: 'Other data' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(services.caller(other.id).profiles.exportData({ id: kept })).rejects.toThrow(/not found/);
    await expect(services.caller(other.id).profiles.delete({ id: kept })).rejects.toThrow(/not found/);
    expect(await left('events')).toBe(0);
    expect(
      await services.db.selectFrom('profiles').select('id').where('id', '=', kept).execute(),
    ).toHaveLength(1);
  });
});

describe('settings API', () => {
  it('a write key is shown once, works for ingest, and stops working when revoked', async () => {
    const api = services.caller();
    const created = await api.settings.createWriteKey({ name: 'Website' });
    expect(created.key).toMatch(/^wk_/);
    const listed = await api.settings.writeKeys();
    const entry = listed.find((key) => key.id === created.id)!;
    expect(entry).toMatchObject({ name: 'Website', key_prefix: created.key.slice(0, 7), revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(await authenticateWriteKey(services.db, created.key)).toBe(services.defaultWorkspaceId);
    await api.settings.revokeWriteKey({ id: created.id });
    expect(await authenticateWriteKey(services.db, created.key)).toBeNull();
    await expect(api.settings.createWriteKey({ name: ' ' })).rejects.toThrow(/name the key/);
  });

  it("a write key may be limited to the shop's websites; a bad origin is named and no key is made", async () => {
    const api = services.caller();
    const before = (await api.settings.writeKeys()).length;
    await expect(
      api.settings.createWriteKey({
        name: 'Shop',
        allowedOrigins: ['https://shop.example.com', 'shop.example.com'],
      }),
    ).rejects.toThrow(/shop\.example\.com\\?" is not a web origin/);
    expect(await api.settings.writeKeys()).toHaveLength(before);
    const created = await api.settings.createWriteKey({
      name: 'Shop',
      allowedOrigins: ['https://shop.example.com/', 'https://www.shop.example.com:8443'],
    });
    const entry = (await api.settings.writeKeys()).find((key) => key.id === created.id)!;
    expect(entry.allowed_origins).toEqual(['https://shop.example.com', 'https://www.shop.example.com:8443']);
  });
});

describe('health score', () => {
  it('is kept on the profile, and a drop below the level starts the churn-prevention journey once', async () => {
    const api = services.caller();
    await api.settings.setHealthScore({
      config: {
        weights: { recency: 0, frequency: 0, monetary: 0, trait: 100 },
        recencyDays: 90,
        frequencyTarget: 20,
        monetaryEvent: 'Order Completed',
        monetaryProperty: 'total',
        monetaryTarget: 1000,
        trait: { name: 'nps', min: 0, max: 10, invert: false },
      },
    });
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.health', config: { direction: 'below', level: 40 } },
          { id: 'm', type: 'touchpoint.email', config: { subject: 'Can we help?' } },
        ],
        [['t', 'm']],
      ),
    );
    await ingest([{ type: 'identify', userId: 'grace', traits: { nps: 9 } }]);
    const score = async () =>
      (
        await services.db
          .selectFrom('profiles')
          .select('health_score')
          .where('user_id', '=', 'grace')
          .executeTakeFirstOrThrow()
      ).health_score;
    expect(await score()).toBe(90);
    await ingest([{ type: 'identify', userId: 'grace', traits: { nps: 3 } }]);
    expect(await score()).toBe(30);
    await ingest([{ type: 'identify', userId: 'grace', traits: { nps: 2 } }]);
    const runs = await services.db
      .selectFrom('runs')
      .select('id')
      .where('journey_id', '=', journeyId)
      .execute();
    expect(runs).toHaveLength(1);
  });

  it('is recomputed daily as recency decays', async () => {
    const api = services.caller();
    await api.settings.setHealthScore({
      config: {
        weights: { recency: 100, frequency: 0, monetary: 0, trait: 0 },
        recencyDays: 90,
        frequencyTarget: 20,
        monetaryEvent: 'Order Completed',
        monetaryProperty: 'total',
        monetaryTarget: 1000,
        trait: { name: 'nps', min: 0, max: 10, invert: false },
      },
    });
    await ingest([{ type: 'track', userId: 'linus', event: 'Logged In', properties: {} }]);
    await sql`UPDATE profiles SET last_seen_at = now() - interval '45 days', health_computed_at = now() - interval '2 days' WHERE user_id = 'linus'`.execute(
      services.db,
    );
    await runScheduledTriggers(services);
    const profile = await services.db
      .selectFrom('profiles')
      .select('health_score')
      .where('user_id', '=', 'linus')
      .executeTakeFirstOrThrow();
    expect(profile.health_score).toBeCloseTo(50, 0);
  });
});
