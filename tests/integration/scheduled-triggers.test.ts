// Recurring dates in the customer's timezone, inactivity and windowed thresholds fire once per period.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledTriggers } from '../../server/engine/scheduled-triggers';
import { buildGraph, createProfile, publishGraph, track } from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

const email = { id: 'm', type: 'touchpoint.email', config: { subject: 'Happy birthday!' } };
const runsOf = async (journeyId: string) =>
  services.db.selectFrom('runs').select(['profile_id']).where('journey_id', '=', journeyId).execute();

describe('scheduled triggers', () => {
  it('a birthday fires at the local send time, exactly once per year, also when the schedule runs twice', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [{ id: 't', type: 'trigger.recurring', config: { trait: 'birthday', sendTime: '09:00' } }, email],
        [['t', 'm']],
      ),
      { entryRule: 'always' },
    );
    const zurich = await createProfile(services, { birthday: '1990-03-15', timezone: 'Europe/Zurich' });
    const tokyo = await createProfile(services, { birthday: '1985-03-15', timezone: 'Asia/Tokyo' });
    const other = await createProfile(services, { birthday: '1990-07-01', timezone: 'Europe/Zurich' });
    const broken = await createProfile(services, {
      birthday: 'sometime in spring',
      timezone: 'Mars/Olympus',
    });

    // 07:30 UTC on 15 March: 08:30 in Zurich (too early), 16:30 in Tokyo (due).
    await runScheduledTriggers(services, new Date('2027-03-15T07:30:00Z'));
    expect((await runsOf(journeyId)).map((run) => run.profile_id)).toEqual([tokyo]);
    // 08:05 UTC: 09:05 in Zurich. Running twice fires nobody twice.
    await runScheduledTriggers(services, new Date('2027-03-15T08:05:00Z'));
    await runScheduledTriggers(services, new Date('2027-03-15T08:06:00Z'));
    const fired = (await runsOf(journeyId)).map((run) => run.profile_id).sort();
    expect(fired).toEqual([zurich, tokyo].sort());
    expect(fired).not.toContain(other);
    expect(fired).not.toContain(broken);
    await services.db
      .updateTable('runs')
      .set({ status: 'completed' })
      .where('journey_id', '=', journeyId)
      .execute();
    // The next year it fires again.
    await runScheduledTriggers(services, new Date('2028-03-15T10:00:00Z'));
    expect(await runsOf(journeyId)).toHaveLength(4);
  });

  it('an offset fires days before the date', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          {
            id: 't',
            type: 'trigger.recurring',
            config: { trait: 'signedUpAt', offsetDays: -3, sendTime: '10:00' },
          },
          email,
        ],
        [['t', 'm']],
      ),
    );
    const profileId = await createProfile(services, { signedUpAt: '2020-06-10T12:00:00Z' });
    await runScheduledTriggers(services, new Date('2027-06-10T11:00:00Z'));
    expect(await runsOf(journeyId)).toHaveLength(0);
    await runScheduledTriggers(services, new Date('2027-06-07T11:00:00Z'));
    expect((await runsOf(journeyId)).map((run) => run.profile_id)).toEqual([profileId]);
  });

  it('inactivity fires once per spell of inactivity', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          {
            id: 't',
            type: 'trigger.threshold',
            config: { measure: 'inactivity', event: 'Order Completed', value: 60 },
          },
          email,
        ],
        [['t', 'm']],
      ),
      { entryRule: 'always' },
    );
    const lapsed = await createProfile(services);
    await track(services, lapsed, 'Order Completed', { total: 10 }, new Date(Date.now() - 90 * 86_400_000));
    const active = await createProfile(services);
    await track(services, active, 'Order Completed', { total: 10 }, new Date(Date.now() - 5 * 86_400_000));
    await sql`UPDATE profiles SET first_seen_at = now() - interval '100 days' WHERE id IN (${lapsed}, ${active})`.execute(
      services.db,
    );
    await runScheduledTriggers(services);
    await runScheduledTriggers(services);
    const fired = (await runsOf(journeyId)).map((run) => run.profile_id);
    expect(fired).toContain(lapsed);
    expect(fired).not.toContain(active);
    expect(fired.filter((id) => id === lapsed)).toHaveLength(1);
  });

  it('a threshold over a window fires when the count in the window is reached', async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          {
            id: 't',
            type: 'trigger.threshold',
            config: { measure: 'count', event: 'Support Ticket', value: 3, windowDays: 30 },
          },
          email,
        ],
        [['t', 'm']],
      ),
    );
    const unhappy = await createProfile(services);
    for (let i = 0; i < 3; i++)
      await track(services, unhappy, 'Support Ticket', {}, new Date(Date.now() - i * 86_400_000));
    const fine = await createProfile(services);
    await track(services, fine, 'Support Ticket');
    await runScheduledTriggers(services);
    await runScheduledTriggers(services);
    expect((await runsOf(journeyId)).map((run) => run.profile_id)).toEqual([unhappy]);
  });
});
