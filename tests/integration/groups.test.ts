// Groups (Segment's group call: the account, company or household a customer belongs to) as data
// of their own: sent over HTTP in one batch as a Segment client sends it, read by trigger filters,
// conditions and email templates, and delivered through a real SMTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueMessages } from '../../server/channels/delivery';
import type { DeliveryEnvironment } from '../../server/channels/channel-context';
import { startHttpServer } from '../../server/http/http-server';
import { createWriteKey } from '../../server/ingest/write-keys';
import { buildGraph, drainSteps, publishGraph } from '../support/engine-harness';
import { startSmtpSink, type SmtpSink } from '../support/sinks';
import { createTestServices, type TestServices } from '../support/test-services';

let services: TestServices;
let smtp: SmtpSink;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let environment: DeliveryEnvironment;
let key: string;

beforeAll(async () => {
  services = await createTestServices();
  smtp = await startSmtpSink();
  server = await startHttpServer(services, { port: 0, host: '127.0.0.1', clientDir: '/nonexistent' });
  environment = {
    publicUrl: server.url,
    secret: 'a-test-signing-secret-of-enough-length',
    defaultSmtpUrl: smtp.url,
    defaultFrom: 'Shop <shop@example.com>',
    allowPrivateHosts: ['127.0.0.1'],
  };
  key = (await createWriteKey(services.db, services.defaultWorkspaceId, 'groups')).key;
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await services?.close();
});

async function batch(messages: unknown[]) {
  const response = await fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch: messages, sentAt: new Date().toISOString() }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { stored: number; rejected?: unknown[] };
}

const profileOf = (userId: string) =>
  services.db.selectFrom('profiles').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();

describe('groups', () => {
  it('a group call stores the group with its traits, the membership and the current group', async () => {
    const at = (seconds: number) => new Date(Date.UTC(2026, 11, 1, 9, 0, seconds)).toISOString();
    const stored = await batch([
      {
        type: 'group',
        userId: 'g-ann',
        groupId: 'acme',
        traits: { name: 'Acme', plan: 'pro' },
        timestamp: at(1),
      },
      { type: 'group', userId: 'g-bob', groupId: 'acme', traits: { employees: 250 }, timestamp: at(2) },
      { type: 'group', userId: 'g-ann', groupId: 'initech', traits: { name: 'Initech' }, timestamp: at(4) },
      // Sent late, happened earlier: Ann's current group stays the one she joined last.
      { type: 'group', userId: 'g-ann', groupId: 'globex', traits: { name: 'Globex' }, timestamp: at(3) },
    ]);
    expect(stored.stored).toBe(4);
    const group = await services.db
      .selectFrom('groups')
      .selectAll()
      .where('group_id', '=', 'acme')
      .executeTakeFirstOrThrow();
    expect(group.traits).toEqual({ name: 'Acme', plan: 'pro', employees: 250 });
    const ann = await profileOf('g-ann');
    const bob = await profileOf('g-bob');
    expect(ann.group_id).toBe('initech');
    expect(bob.group_id).toBe('acme');
    const members = await services.db
      .selectFrom('group_members')
      .select(['group_id', 'profile_id'])
      .where('profile_id', 'in', [ann.id, bob.id])
      .orderBy('group_id')
      .execute();
    expect(
      members.map((row) => `${row.group_id}:${row.profile_id === ann.id ? 'ann' : 'bob'}`).sort(),
    ).toEqual(['acme:ann', 'acme:bob', 'globex:ann', 'initech:ann']);
    // A profile's group is not its traits: the group's name does not overwrite the customer's.
    expect(ann.traits).not.toHaveProperty('name');
  });

  it('an anonymous visitor who joined a group keeps it when he becomes known', async () => {
    await batch([
      { type: 'group', anonymousId: 'anon-g', groupId: 'umbrella', traits: { name: 'Umbrella' } },
      { type: 'identify', anonymousId: 'anon-g', userId: 'g-known', traits: { email: 'known@example.com' } },
    ]);
    const known = await profileOf('g-known');
    expect(known.group_id).toBe('umbrella');
    const members = await services.db
      .selectFrom('group_members')
      .select('group_id')
      .where('profile_id', '=', known.id)
      .execute();
    expect(members.map((row) => row.group_id)).toEqual(['umbrella']);
  });

  it("trigger filters, conditions and email templates read the customer's group", async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          {
            id: 't',
            type: 'trigger.event',
            config: {
              event: 'Trial Started',
              where: {
                match: 'all',
                rules: [{ kind: 'attribute', source: 'group', path: 'plan', op: 'neq', value: 'free' }],
              },
            },
          },
          {
            id: 'c',
            type: 'condition.if',
            config: {
              condition: {
                match: 'all',
                rules: [{ kind: 'attribute', source: 'group', path: 'employees', op: 'gte', value: 100 }],
              },
            },
          },
          {
            id: 'big',
            type: 'touchpoint.email',
            config: {
              subject: 'Welcome, {{ group.name }} team',
              html: '<p>Hi {{ profile.firstName }}, your account {{ group.id }} has {{ group.employees }} seats.</p>',
            },
          },
          {
            id: 'small',
            type: 'touchpoint.email',
            config: {
              subject: 'Welcome to a small team at {{ group.name | default: "your company" }}',
              html: '<p>Hi</p>',
            },
          },
        ],
        [
          ['t', 'c'],
          ['c', 'big', 'yes'],
          ['c', 'small', 'no'],
        ],
      ),
    );
    // One batch, as a Segment client sends it: each customer's identify, group call and event.
    const customer = (userId: string, traits: object, groupId: string, group: object) => [
      { type: 'identify', userId, traits },
      { type: 'group', userId, groupId, traits: group },
      { type: 'track', userId, event: 'Trial Started' },
    ];
    await batch([
      ...customer('g-cara', { email: 'cara@example.com', firstName: 'Cara' }, 'big-co', {
        name: 'Big Co',
        plan: 'pro',
        employees: 400,
      }),
      ...customer('g-dan', { email: 'dan@example.com' }, 'tiny-co', {
        name: 'Tiny Co',
        plan: 'pro',
        employees: 3,
      }),
      ...customer('g-eve', { email: 'eve@example.com' }, 'free-co', { name: 'Free Co', plan: 'free' }),
    ]);
    await drainSteps(services);
    await deliverDueMessages(services, environment);
    const runs = await services.db
      .selectFrom('runs')
      .innerJoin('profiles', 'profiles.id', 'runs.profile_id')
      .select(['profiles.user_id'])
      .where('runs.journey_id', '=', journeyId)
      .execute();
    expect(runs.map((run) => run.user_id).sort()).toEqual(['g-cara', 'g-dan']);
    const mail = (to: string) =>
      smtp.messages.find((message) => (message.to && 'text' in message.to ? message.to.text : '') === to);
    expect(mail('cara@example.com')?.subject).toBe('Welcome, Big Co team');
    expect(mail('cara@example.com')?.html).toContain('Hi Cara, your account big-co has 400 seats.');
    expect(mail('dan@example.com')?.subject).toBe('Welcome to a small team at Tiny Co');
    expect(mail('eve@example.com')).toBeUndefined();
  });

  it("a customer without a group takes a condition's no branch and a template's default", async () => {
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Solo Signed Up' } },
          {
            id: 'c',
            type: 'condition.if',
            config: {
              condition: {
                match: 'all',
                rules: [{ kind: 'attribute', source: 'group', path: 'id', op: 'exists' }],
              },
            },
          },
          {
            id: 'm',
            type: 'touchpoint.email',
            config: { subject: 'Hello from {{ group.name | default: "us" }}', html: '<p>Hi</p>' },
          },
        ],
        [
          ['t', 'c'],
          ['c', 'm', 'no'],
        ],
      ),
    );
    await batch([
      { type: 'identify', userId: 'g-solo', traits: { email: 'solo@example.com' } },
      { type: 'track', userId: 'g-solo', event: 'Solo Signed Up' },
    ]);
    await drainSteps(services);
    await deliverDueMessages(services, environment);
    const message = await services.db
      .selectFrom('messages')
      .select('status')
      .where('journey_id', '=', journeyId)
      .executeTakeFirstOrThrow();
    expect(message.status).toBe('sent');
    expect(smtp.messages.find((mail) => mail.subject === 'Hello from us')).toBeDefined();
  });
});
