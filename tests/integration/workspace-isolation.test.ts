// Every tRPC procedure and the ingest API, called from another workspace with this workspace's
// ids: nothing of it is shown, and nothing of it changes. A new procedure must be added here.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { appRouter } from '../../server/api/app-router';
import { buildGraph, createProfile, drainSteps, publishGraph, track } from '../support/engine-harness';
import { useTestServer } from '../support/test-server';
import type { TestServices } from '../support/test-services';

const app = useTestServer();

type Api = ReturnType<TestServices['caller']>;

describe('workspace isolation', () => {
  it("no procedure shows or changes another workspace's journeys, profiles, keys, settings or members", async () => {
    // Workspace A: a live journey with a customer inside, a write key, channel secrets, a member.
    const a = app.services.defaultWorkspaceId;
    const mine = app.services.caller(a);
    const journeyId = await publishGraph(
      app.services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'A Event' } },
          { id: 'm', type: 'touchpoint.email', config: { subject: 'Secret subject A' } },
          { id: 'w', type: 'wait.delay', config: { duration: { amount: 3, unit: 'days' } } },
        ],
        [
          ['t', 'm'],
          ['m', 'w'],
        ],
      ),
      { name: 'Secret journey A' },
    );
    const profileId = await createProfile(
      app.services,
      { email: 'a-customer@example.com', firstName: 'Alma' },
      'a-customer',
    );
    await track(app.services, profileId, 'A Event');
    await drainSteps(app.services);
    const key = await mine.settings.createWriteKey({ name: 'A site key' });
    await mine.settings.setHealthScore({ config: { recencyDays: 45 } as never });
    await mine.channels.save({
      settings: {
        email: { smtpUrl: 'smtp://a:a-smtp-password@127.0.0.1:2525', from: 'A Shop <a@example.com>' },
      },
    });
    await app.services.db
      .insertInto('delivery_providers')
      .values({
        workspace_id: a,
        provider: 'webhook:crm.a-shop.example',
        paused_since: new Date(),
        next_probe_at: new Date(),
        last_error: 'A CRM is down',
      })
      .execute();
    await app.services.caller(a, 'editor').accounts.me();
    const aMember = (await mine.accounts.members()).find((member) => member.role === 'editor')!;
    const versionId = (await mine.journeys.versions({ id: journeyId }))[0].id;
    const stateOfA = async () => ({
      journey: await app.services.db
        .selectFrom('journeys')
        .select(['name', 'status', 'draft', 'draft_revision', 'goal', 'entry_rule', 'live_version_id'])
        .where('id', '=', journeyId)
        .executeTakeFirst(),
      versions: (await mine.journeys.versions({ id: journeyId })).length,
      profile: await app.services.db
        .selectFrom('profiles')
        .select(['traits', 'user_id'])
        .where('id', '=', profileId)
        .executeTakeFirst(),
      events: Number(
        (
          await app.services.db
            .selectFrom('events')
            .select(sql<number>`count(*)`.as('n'))
            .where('profile_id', '=', profileId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
      runs: await app.services.db
        .selectFrom('runs')
        .select(['status', 'current_node'])
        .where('profile_id', '=', profileId)
        .execute(),
      keys: await mine.settings.writeKeys(),
      settings: (
        await app.services.db
          .selectFrom('workspaces')
          .select('settings')
          .where('id', '=', a)
          .executeTakeFirstOrThrow()
      ).settings,
      members: await app.services.db
        .selectFrom('memberships')
        .select(['user_id', 'role'])
        .where('workspace_id', '=', a)
        .orderBy('user_id')
        .execute(),
    });
    const before = await stateOfA();
    const markers = [
      journeyId,
      profileId,
      versionId,
      key.id,
      'Secret journey A',
      'Secret subject A',
      'a-customer',
      'Alma',
      'a-smtp-password',
      'A site key',
      'A Shop',
      aMember.id,
      'a-shop.example',
      'A CRM is down',
    ];

    // Workspace B's admin tries every procedure with A's ids.
    const b = (
      await app.services.db
        .insertInto('workspaces')
        .values({ name: 'B' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const theirs = app.services.caller(b);
    const graph = buildGraph([{ id: 't', type: 'trigger.event', config: { event: 'B' } }], []);
    const calls: Record<string, (api: Api) => Promise<unknown>> = {
      'journeys.list': (api) => api.journeys.list(),
      'journeys.get': (api) => api.journeys.get({ id: journeyId }),
      'journeys.create': (api) => api.journeys.create({ name: 'B journey' }),
      'journeys.rename': (api) => api.journeys.rename({ id: journeyId, name: 'Taken over' }),
      'journeys.updateDraft': (api) => api.journeys.updateDraft({ id: journeyId, draft: graph }),
      'journeys.inspect': (api) => api.journeys.inspect({ graph }),
      'journeys.versions': (api) => api.journeys.versions({ id: journeyId }),
      'journeys.variables': (api) => api.journeys.variables({ id: journeyId }),
      'journeys.restoreVersion': (api) => api.journeys.restoreVersion({ id: journeyId, version: 1 }),
      'journeys.duplicate': (api) => api.journeys.duplicate({ id: journeyId }),
      'journeys.setEntryRule': (api) => api.journeys.setEntryRule({ id: journeyId, rule: 'always' }),
      'journeys.setGoal': (api) =>
        api.journeys.setGoal({
          id: journeyId,
          goal: { event: 'Hijack', windowDays: 3, exitOnConversion: true },
        }),
      'journeys.export': (api) => api.journeys.export({ id: journeyId }),
      'journeys.import': (api) => api.journeys.import({ file: { waymark: 1, name: 'Imported in B', graph } }),
      'journeys.publish': (api) => api.journeys.publish({ id: journeyId }),
      'journeys.setStatus': (api) => api.journeys.setStatus({ id: journeyId, action: 'archive' }),
      'journeys.migrationPreview': (api) => api.journeys.migrationPreview({ id: journeyId, graph }),
      'journeys.startTest': (api) =>
        api.journeys.startTest({ id: journeyId, profiles: ['a-customer'], speed: 10 }),
      'journeys.simulate': (api) => api.journeys.simulate({ id: journeyId, graph, profileId }),
      'nodeTypes.list': (api) => api.nodeTypes.list(),
      'profiles.search': (api) => api.profiles.search({ query: 'a-customer' }),
      'profiles.get': (api) => api.profiles.get({ id: profileId }),
      'profiles.exportData': (api) => api.profiles.exportData({ id: profileId }),
      'profiles.delete': (api) => api.profiles.delete({ id: profileId }),
      'settings.writeKeys': (api) => api.settings.writeKeys(),
      'settings.createWriteKey': (api) => api.settings.createWriteKey({ name: 'B key' }),
      'settings.revokeWriteKey': (api) => api.settings.revokeWriteKey({ id: key.id }),
      'settings.healthScore': (api) => api.settings.healthScore(),
      'settings.setHealthScore': (api) => api.settings.setHealthScore({ config: null }),
      'stats.journey': (api) => api.stats.journey({ journeyId }),
      'stats.csv': (api) => api.stats.csv({ journeyId }),
      'stats.nodeCustomers': (api) => api.stats.nodeCustomers({ journeyId, nodeId: 'w' }),
      'channels.settings': (api) => api.channels.settings(),
      'channels.providers': (api) => api.channels.providers(),
      'channels.environment': (api) => api.channels.environment(),
      'channels.save': (api) => api.channels.save({ settings: { email: { from: 'B <b@example.com>' } } }),
      'channels.testSmtp': (api) => api.channels.testSmtp(),
      'channels.preview': (api) =>
        api.channels.preview({
          subject: '{{ profile.firstName }} {{ profile.userId }}',
          html: '{{ profile.email }}',
          profileId,
        }),
      'channels.sendTest': (api) =>
        api.channels.sendTest({
          channel: 'sms',
          content: { body: '{{ profile.firstName }}' },
          profileId,
          to: '+41790000000',
        }),
      'channels.sendTestEmail': (api) =>
        api.channels.sendTestEmail({
          subject: '{{ profile.firstName }}',
          html: '<p>x</p>',
          profileId,
          to: 'b-marketer@example.com',
        }),
      'accounts.me': (api) => api.accounts.me(),
      'accounts.members': (api) => api.accounts.members(),
      'accounts.invite': (api) => api.accounts.invite({ role: 'admin' }),
      'accounts.setRole': (api) => api.accounts.setRole({ userId: aMember.id, role: null }),
      'accounts.audit': (api) => api.accounts.audit(),
      'accounts.resetLink': (api) => api.accounts.resetLink({ userId: aMember.id }),
      'accounts.changePassword': (api) =>
        api.accounts.changePassword({ current: 'not the password', next: 'a new password here' }),
    };
    expect(Object.keys(calls).sort()).toEqual(
      Object.keys((appRouter as unknown as { _def: { procedures: object } })._def.procedures).sort(),
    );

    const outcomes: Record<string, string> = {};
    for (const [name, call] of Object.entries(calls)) {
      try {
        const result = JSON.stringify(await call(theirs)) ?? '';
        const leaked = markers.filter((marker) => result.includes(marker));
        outcomes[name] =
          leaked.length === 0 ? 'nothing of A' : `LEAKED ${leaked.join(', ')} in ${result.slice(0, 600)}`;
      } catch (error) {
        const code = (error as { code?: string }).code;
        outcomes[name] =
          code === 'NOT_FOUND' || code === 'BAD_REQUEST'
            ? 'nothing of A'
            : `error ${code}: ${(error as Error).message}`;
      }
    }
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(calls).map((name) => [name, 'nothing of A'])));
    // The lookups by id were refused outright, not answered empty.
    for (const name of [
      'accounts.resetLink',
      'journeys.get',
      'journeys.variables',
      'journeys.startTest',
      'journeys.simulate',
      'journeys.migrationPreview',
      'journeys.rename',
      'journeys.updateDraft',
      'journeys.duplicate',
      'journeys.export',
      'journeys.publish',
      'journeys.setStatus',
      'profiles.get',
      'profiles.exportData',
      'profiles.delete',
      'stats.journey',
    ]) {
      await expect(calls[name](theirs), name).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    await drainSteps(app.services);
    expect(await stateOfA()).toEqual(before);
    expect((await mine.journeys.list()).map((journey) => journey.name)).toEqual(['Secret journey A']);
  });

  it("a write key ingests into its own workspace only, even with the other workspace's user ids", async () => {
    const a = app.services.defaultWorkspaceId;
    const aProfile = await createProfile(app.services, { email: 'shared-id@example.com' }, 'shared-user');
    const b = (
      await app.services.db
        .insertInto('workspaces')
        .values({ name: 'B ingest' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const bKey = await app.services.caller(b).settings.createWriteKey({ name: 'B site' });
    const auth = `Basic ${Buffer.from(`${bKey.key}:`).toString('base64')}`;
    const response = await fetch(`${app.url}/v1/batch`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        batch: [
          { type: 'identify', userId: 'shared-user', traits: { email: 'b-side@example.com' } },
          { type: 'track', userId: 'shared-user', event: 'B Purchase' },
          { type: 'alias', previousId: 'shared-user', userId: 'other-user' },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const profiles = await app.services.db
      .selectFrom('profiles')
      .select(['workspace_id', 'traits'])
      .where('user_id', 'in', ['shared-user', 'other-user'])
      .orderBy('workspace_id')
      .execute();
    expect(profiles.find((profile) => profile.workspace_id === a)!.traits).toEqual({
      email: 'shared-id@example.com',
    });
    expect(profiles.filter((profile) => profile.workspace_id === b)).toHaveLength(1);
    expect(
      await app.services.db.selectFrom('events').select('name').where('profile_id', '=', aProfile).execute(),
    ).toEqual([]);
    const seenByB = (await app.services.caller(b).profiles.search({})).profiles;
    expect(seenByB).toHaveLength(1);
    expect(seenByB[0].traits).toEqual({ email: 'b-side@example.com' });
  });
});
