// Test mode on real infrastructure: a test version for listed test profiles only, waits shortened,
// every message to the workspace's test address, and none of it in the journey's stats.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueMessages } from '../../server/channels/delivery';
import { updateDraft } from '../../server/journeys/journey-store';
import { buildGraph, createProfile, drainSteps, publishGraph, track } from '../support/engine-harness';
import { startSmtpSink, type SmtpSink } from '../support/sinks';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
let smtp: SmtpSink;
beforeAll(async () => {
  services = await createTestServices();
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp?.close();
  await services?.close();
});

const journey = (subject: string) =>
  buildGraph(
    [
      { id: 't', type: 'trigger.event', config: { event: 'Trial Started' } },
      { id: 'w', type: 'wait.delay', config: { duration: { amount: 1, unit: 'hours' } } },
      { id: 'm', type: 'touchpoint.email', config: { subject } },
    ],
    [
      ['t', 'w'],
      ['w', 'm'],
    ],
  );

describe('test mode', () => {
  it('runs the draft for the test profiles only, an hour in a second, mail to the test inbox, out of stats', async () => {
    const environment = {
      publicUrl: 'http://localhost',
      secret: 'a-test-secret-of-enough-length-0123456789',
      defaultSmtpUrl: smtp.url,
      defaultFrom: 'Shop <shop@example.com>',
    };
    const api = services.caller(undefined, 'publisher');
    const journeyId = await publishGraph(services, journey('Live hello {{ profile.firstName }}'), {
      name: 'Trial',
      entryRule: 'always',
    });
    await updateDraft(services.db, services.defaultWorkspaceId, journeyId, {
      draft: journey('Draft hello {{ profile.firstName }}'),
    });
    const tina = await createProfile(services, { email: 'tina@customer.example', firstName: 'Tina' }, 'tina');
    await createProfile(services, { email: 'tom@customer.example', firstName: 'Tom' }, 'tom');
    const real = await createProfile(services, { email: 'rea@customer.example', firstName: 'Rea' }, 'rea');

    await expect(
      api.journeys.startTest({ id: journeyId, profiles: ['tina', 'nobody'], speed: 3600 }),
    ).rejects.toThrow(/profiles\.1/);
    await services.caller().channels.save({ settings: { test: { email: 'qa@shop.example' } } });
    const started = await api.journeys.startTest({
      id: journeyId,
      profiles: ['tina', 'tom@customer.example'],
      speed: 3600,
    });
    expect(started).toMatchObject({ testNumber: 1, started: 2, alreadyInside: 0 });
    // A customer not on the list who does the trigger event enters the live version, not the test.
    await track(services, real, 'Trial Started');
    await drainSteps(services);
    const runs = await services.db
      .selectFrom('runs')
      .innerJoin('profiles', 'profiles.id', 'runs.profile_id')
      .select(['profiles.user_id', 'runs.version_id', 'runs.status'])
      .where('runs.journey_id', '=', journeyId)
      .orderBy('profiles.user_id')
      .execute();
    expect(
      runs.map((run) => [run.user_id, run.version_id === started.versionId ? 'test' : 'live', run.status]),
    ).toEqual([
      ['rea', 'live', 'waiting'],
      ['tina', 'test', 'waiting'],
      ['tom', 'test', 'waiting'],
    ]);

    // The hour-long wait takes a second for test runs.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await drainSteps(services);
    await deliverDueMessages(services, environment);
    const tests = smtp.messages.filter((mail) => String(mail.subject).startsWith('[Test]'));
    expect(tests.map((mail) => mail.subject).sort()).toEqual([
      '[Test] Draft hello Tina',
      '[Test] Draft hello Tom',
    ]);
    for (const mail of tests)
      expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('qa@shop.example');
    expect(
      smtp.messages.some((mail) =>
        String(mail.to && 'text' in mail.to ? mail.to.text : '').includes('customer.example'),
      ),
    ).toBe(false);
    expect(
      (
        await services.db
          .selectFrom('runs')
          .select('status')
          .where('profile_id', '=', tina)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('completed');
    expect(
      (
        await services.db
          .selectFrom('runs')
          .select('status')
          .where('profile_id', '=', real)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('waiting');

    // Until the next publish, the test profiles' own trigger events enter the test version too.
    await track(services, tina, 'Trial Started');
    await drainSteps(services);
    const again = await services.db
      .selectFrom('runs')
      .select(['version_id', 'status'])
      .where('profile_id', '=', tina)
      .where('status', '=', 'waiting')
      .executeTakeFirstOrThrow();
    expect(again.version_id).toBe(started.versionId);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await drainSteps(services);
    await deliverDueMessages(services, environment);
    expect(smtp.messages.filter((mail) => mail.subject === '[Test] Draft hello Tina')).toHaveLength(2);

    // Stats show the live customer only; the test version is not among the versions.
    const stats = await api.stats.journey({ journeyId });
    expect(stats.versions.map((version) => version.version)).toEqual([1]);
    expect(stats.nodes.t.entered).toBe(1);
    expect(stats.nodes.m?.entered ?? 0).toBe(0);
    expect(stats.nodes.m?.messages ?? {}).toEqual({});
    // Nor among the journey's versions, nor counted in the journey list: a test takes no version number and is no entry.
    expect(
      (await api.journeys.versions({ id: journeyId })).map((version) => [version.version, version.is_test]),
    ).toEqual([[1, false]]);
    expect((await api.journeys.list({})).find((item) => item.id === journeyId)).toMatchObject({
      liveVersion: 1,
      entries: 1,
    });
    expect(await api.journeys.get({ id: journeyId })).toMatchObject({ entries: 1 });
    const live = await services.db
      .selectFrom('journeys')
      .select('live_version_id')
      .where('id', '=', journeyId)
      .executeTakeFirstOrThrow();
    expect(live.live_version_id).not.toBe(started.versionId);

    // Publishing for real ends the test: her next trigger event enters the live version, v2.
    await api.journeys.publish({ id: journeyId });
    expect((await api.journeys.versions({ id: journeyId })).map((version) => version.version)).toEqual([
      2, 1,
    ]);
    await track(services, tina, 'Trial Started');
    await drainSteps(services);
    const afterPublish = await services.db
      .selectFrom('runs')
      .innerJoin('journey_versions', 'journey_versions.id', 'runs.version_id')
      .select(['journey_versions.is_test'])
      .where('runs.profile_id', '=', tina)
      .where('runs.status', '=', 'waiting')
      .executeTakeFirstOrThrow();
    expect(afterPublish.is_test).toBe(false);
    await sql`UPDATE runs SET status = 'completed' WHERE journey_id = ${journeyId} AND profile_id = ${tina}`.execute(
      services.db,
    );

    // Without a test address, a test message fails and says why; nothing reaches the customer.
    await services.caller().channels.save({ settings: { test: {} } });
    await api.journeys.startTest({ id: journeyId, profiles: ['tina'], speed: 3600 });
    await drainSteps(services);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await drainSteps(services);
    const before = smtp.received;
    await deliverDueMessages(services, environment);
    expect(smtp.received).toBe(before);
    const failed = await services.db
      .selectFrom('messages')
      .select(['status', 'error'])
      .where('profile_id', '=', tina)
      .where('status', '=', 'failed')
      .executeTakeFirstOrThrow();
    expect(failed.error).toBe('test run: no test email address is set in the channel settings');
  });
});
