// Simulating a draft through the API: an existing customer with his history or sample traits,
// rendered messages, waits answered or timed out — and nothing written anywhere.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyTemplates } from '../../shared/templates';
import { createProfile, publishGraph, track } from '../support/engine-harness';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.close();
});

async function counts() {
  const { rows } = await sql<
    Record<string, number>
  >`SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM runs) AS runs,
    (SELECT count(*)::int FROM steps) AS steps, (SELECT count(*)::int FROM events) AS events, (SELECT coalesce(sum(entered), 0)::int FROM node_stats) AS stats,
    (SELECT count(*)::int FROM pgboss.job WHERE name = 'waymark-steps') AS jobs`.execute(services.db);
  return rows[0];
}

describe('journeys.simulate', () => {
  it('runs a draft for an existing customer: rendered emails, waits answered, nothing written', async () => {
    const welcome = journeyTemplates.find((template) => template.id === 'welcome-series')!.graph;
    const journeyId = await publishGraph(services, welcome, { name: 'Welcome' });
    const profileId = await createProfile(
      services,
      { email: 'ann@example.com', firstName: 'Ann', timezone: 'Europe/Zurich' },
      'ann',
    );
    await track(services, profileId, 'Page Viewed', {}, new Date(Date.now() - 3_600_000));
    const before = await counts();
    const api = services.caller(undefined, 'viewer');
    const start = '2026-03-02T10:00:00.000Z';

    const buys = await api.journeys.simulate({
      id: journeyId,
      graph: welcome,
      profileId,
      trigger: { name: 'Account Created', properties: {} },
      events: [{ name: 'Order Completed', properties: { total: 40 }, afterHours: 100 }],
      start,
    });
    expect(buys.status).toBe('completed');
    expect(buys.steps.map((step) => `${step.nodeId}:${step.port}`)).toEqual([
      'trigger:out',
      'welcome:out',
      'wait-order:timeout',
      'tips:out',
      'wait-order-2:event',
      'goal-2:out',
    ]);
    expect(buys.converted).toBe(true);
    expect(buys.steps[1].messages).toEqual([
      expect.objectContaining({
        channel: 'email',
        subject: 'Welcome, Ann!',
        html: '<p>Great to have you.</p>',
        text: 'Great to have you.',
        deliverAt: start,
      }),
    ]);
    expect(buys.steps[2].wait).toMatchObject({
      event: 'Order Completed',
      endedBy: 'timeout',
      at: '2026-03-05T10:00:00.000Z',
      timeZone: 'Europe/Zurich',
    });
    expect(buys.steps[4].wait).toMatchObject({ endedBy: 'event', at: '2026-03-06T14:00:00.000Z' });
    expect(buys.timeZone).toBe('Europe/Zurich');

    const sample = await api.journeys.simulate({
      id: journeyId,
      graph: welcome,
      sample: { firstName: 'Zoë' },
      trigger: { name: 'Account Created', properties: {} },
      start,
    });
    expect(sample.steps.at(-1)).toMatchObject({ nodeId: 'offer', port: 'out' });
    expect(sample.steps[1].messages[0].subject).toBe('Welcome, Zoë!');

    expect(await counts()).toEqual(before);
    // Bad input: a broken graph names its problems; another workspace's profile is not found.
    expect(
      await api.journeys.simulate({ id: journeyId, graph: { schemaVersion: 1, nodes: [], edges: [] } }),
    ).toMatchObject({ status: 'failed', error: 'the journey has no trigger' });
    await expect(
      api.journeys.simulate({
        id: journeyId,
        graph: {
          schemaVersion: 1,
          nodes: [{ id: 'x', type: 'no.such-type', position: { x: 0, y: 0 }, config: {} }],
          edges: [],
        },
      }),
    ).rejects.toThrow(/no\.such-type/);
    await expect(
      api.journeys.simulate({
        id: journeyId,
        graph: welcome,
        events: [{ name: '', properties: {}, afterHours: 1 }],
      }),
    ).rejects.toThrow(/events\.0\.name|name the event/);
  });
});
