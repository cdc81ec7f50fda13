// Touchpoints reach a real local SMTP server and a real local HTTP server: rendered content,
// headers and tracking; consent, caps and quiet hours; signed, retried and SSRF-checked webhooks.
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { channelSettingsSchema } from '../../shared/channel-settings';
import { deliverDueMessages } from '../../server/channels/delivery';
import { loadChannelSettings, type DeliveryEnvironment } from '../../server/channels/channel-context';
import { startHttpServer } from '../../server/http/http-server';
import { buildGraph, createProfile, drainSteps, publishGraph, track } from '../support/engine-harness';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '../support/sinks';
import { createTestServices, type TestServices } from '../support/test-services';
import { eventually } from '../support/test-database';

let services: TestServices;
let smtp: SmtpSink;
let hooks: HttpSink;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let environment: DeliveryEnvironment;
const secret = 'a-test-signing-secret-of-enough-length';

beforeAll(async () => {
  services = await createTestServices();
  services.secret = secret;
  smtp = await startSmtpSink();
  hooks = await startHttpSink();
  server = await startHttpServer(services, { port: 0, host: '127.0.0.1', clientDir: '/nonexistent' });
  // The sinks run on loopback: allowed as an operator allows a local Mailpit (WAYMARK_ALLOW_PRIVATE_HOSTS).
  environment = {
    publicUrl: server.url,
    secret,
    defaultSmtpUrl: smtp.url,
    defaultFrom: 'Shop <shop@example.com>',
    allowPrivateHosts: ['127.0.0.1'],
  };
  services.delivery = {
    publicUrl: server.url,
    from: 'Shop <shop@example.com>',
    allowPrivateHosts: ['127.0.0.1'],
  };
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await hooks?.close();
  await services?.close();
});

async function setChannels(channels: Partial<z.input<typeof channelSettingsSchema>>) {
  await sql`UPDATE workspaces SET settings = jsonb_set(settings, '{channels}', ${JSON.stringify(channels)}::jsonb) WHERE id = ${services.defaultWorkspaceId}`.execute(
    services.db,
  );
}
beforeEach(async () => {
  await setChannels({});
  await services.db.deleteFrom('delivery_providers').execute();
});

let counter = 0;
async function sendThrough(
  node: { type: string; config: Record<string, unknown> },
  traits: Record<string, unknown>,
  properties: Record<string, unknown> = {},
) {
  const event = `Channel test ${++counter}`;
  const journeyId = await publishGraph(
    services,
    buildGraph(
      [
        { id: 't', type: 'trigger.event', config: { event } },
        { id: 'm', ...node },
      ],
      [['t', 'm']],
    ),
  );
  const profileId = await createProfile(services, traits);
  await track(services, profileId, event, properties);
  await drainSteps(services);
  await deliverDueMessages(services, environment);
  const message = await services.db
    .selectFrom('messages')
    .selectAll()
    .where('journey_id', '=', journeyId)
    .executeTakeFirstOrThrow();
  return { journeyId, profileId, message };
}

const email = (
  subject: string,
  html = '<p>Hello {{ profile.firstName | default: "there" }}, your cart: {{ event.total }} CHF. <a href="https://shop.example.com/cart">Open cart</a></p>',
) => ({ type: 'touchpoint.email', config: { subject, html } });

describe('email over SMTP', () => {
  it('arrives rendered, with the idempotency key as Message-ID, unsubscribe headers and tracking', async () => {
    const before = smtp.messages.length;
    const { message } = await sendThrough(
      email('Your cart, {{ profile.firstName }}'),
      { email: 'ann@example.com', firstName: 'Ann' },
      { total: 129 },
    );
    expect(message.status).toBe('sent');
    const mail = smtp.messages[before];
    expect(mail.subject).toBe('Your cart, Ann');
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('ann@example.com');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Shop', address: 'shop@example.com' });
    expect(mail.messageId).toContain(message.idempotency_key.replace(/:/g, ':'));
    expect(mail.html).toContain('Hello Ann, your cart: 129 CHF.');
    expect(mail.text).toContain('Hello Ann, your cart: 129 CHF.');
    const raw = (name: string) => mail.headerLines.find((line) => line.key === name)?.line ?? '';
    expect(raw('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(raw('list-unsubscribe').replace(/\r?\n\s*/g, ' ')).toMatch(
      new RegExp(`^List-Unsubscribe: <${server.url}/u/`),
    );
    expect(String(mail.html)).toMatch(new RegExp(`${server.url}/t/c/`));
    expect(String(mail.html)).toMatch(new RegExp(`${server.url}/t/o/`));
  });

  it('customer data cannot inject HTML: values are escaped in the HTML part, `| raw` is for trusted HTML, text and subject stay plain', async () => {
    const before = smtp.messages.length;
    const attack = '<a href="https://evil.example/win">Claim your prize</a>';
    const { message } = await sendThrough(
      {
        type: 'touchpoint.email',
        config: {
          subject: 'Hi {{ profile.firstName }}\r\nBcc: all@example.com',
          html: '<p>Hello {{ profile.firstName }}</p>{{ event.banner | raw }}<a href="https://shop.example.com/cart?a=1&amp;b={{ event.code }}">Cart</a>',
        },
      },
      { email: 'inj@example.com', firstName: attack },
      { banner: '<b>Sale</b>', code: 'x&y' },
    );
    expect(message.status).toBe('sent');
    const mail = smtp.messages[before];
    const html = String(mail.html);
    expect(html).toContain(
      'Hello &lt;a href=&#34;https://evil.example/win&#34;&gt;Claim your prize&lt;/a&gt;',
    );
    expect(html).not.toContain('href="https://evil.example');
    expect(html).toContain('<b>Sale</b>');
    // Only the author's own link goes through the click redirect, and to the right address.
    const redirects = [...html.matchAll(/href="([^"]*\/t\/c\/[^"]+)"/g)].map((match) => match[1]);
    expect(redirects).toHaveLength(1);
    const response = await fetch(redirects[0], { redirect: 'manual' });
    expect(response.headers.get('location')).toBe('https://shop.example.com/cart?a=1&b=x&y');
    expect(mail.subject).toBe(`Hi ${attack} Bcc: all@example.com`);
    expect(mail.bcc).toBeUndefined();
    expect(mail.text).toContain(`Hello ${attack}`);
  });

  it('the text part of a marketing email carries the unsubscribe link too', async () => {
    const before = smtp.messages.length;
    await sendThrough(email('News'), { email: 'news@example.com' });
    const mail = smtp.messages[before];
    expect(mail.text).toMatch(new RegExp(`Unsubscribe: ${server.url}/u/`));
    expect(String(mail.html)).toMatch(/>Unsubscribe<\/a> · <a [^>]+>Preferences<\/a>/);
  });

  it("the footer Waymark adds is in the recipient's language (his locale trait)", async () => {
    const before = smtp.messages.length;
    await sendThrough(email('Neuigkeiten'), { email: 'lena@example.de', locale: 'de-CH' });
    const mail = smtp.messages[before];
    expect(mail.text).toMatch(new RegExp(`Abmelden: ${server.url}/u/`));
    expect(String(mail.html)).toMatch(/>Abmelden<\/a> · <a [^>]+>Einstellungen<\/a>/);
    expect(String(mail.html)).not.toContain('Unsubscribe');
  });

  it('a missing variable renders empty; a broken template fails that message only', async () => {
    const { message } = await sendThrough(email('Hi {{ profile.nickname }}!'), { email: 'bob@example.com' });
    expect(message.status).toBe('sent');
    const broken = await sendThrough(email('Hi {{ profile.firstName | no_such_filter }}'), {
      email: 'bob@example.com',
      firstName: 'Bob',
    });
    expect(broken.message.status).toBe('failed');
    expect(broken.message.error).toContain('no_such_filter');
  });

  it('templates cannot reach code or files', async () => {
    const { message } = await sendThrough(
      email('{{ profile.constructor.constructor }}x{% include "/etc/passwd" %}'),
      { email: 'eve@example.com' },
    );
    expect(message.status).toBe('failed');
    const plain = await sendThrough(email('{{ profile.constructor }}|{{ profile.__proto__ }}|ok'), {
      email: 'eve@example.com',
    });
    expect(plain.message.status).toBe('sent');
    expect(smtp.messages.at(-1)!.subject).toBe('||ok');
  });

  it('an opted-out customer is not emailed; the message is suppressed and counted', async () => {
    const before = smtp.received;
    const { message, profileId } = await sendThrough(email('Sale'), {
      email: 'opt@example.com',
      consent: { email: false },
    });
    expect(message).toMatchObject({ status: 'suppressed', error: 'the customer opted out of email' });
    expect(smtp.received).toBe(before);
    const events = await services.db
      .selectFrom('events')
      .select('name')
      .where('profile_id', '=', profileId)
      .execute();
    expect(events.map((event) => event.name)).toContain('Message Suppressed');
  });

  it('one click on the unsubscribe link opts the customer out; open and click are tracked as events', async () => {
    const { message, profileId } = await sendThrough(email('Newsletter'), { email: 'uns@example.com' });
    const mail = smtp.messages.at(-1)!;
    const html = String(mail.html);
    const pixel = /src="([^"]+\/t\/o\/[^"]+)"/.exec(html)![1];
    const click = /href="([^"]+\/t\/c\/[^"]+)"/.exec(html)![1];
    expect((await fetch(pixel)).headers.get('content-type')).toBe('image/gif');
    const redirect = await fetch(click, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://shop.example.com/cart');
    const unsubscribe = /<([^>]+)>/.exec(
      mail.headerLines.find((line) => line.key === 'list-unsubscribe')!.line,
    )![1];
    expect((await fetch(unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(
      200,
    );
    expect((await fetch(`${server.url}/u/forged.token`)).status).toBe(400);

    // Opens, clicks and opt-outs are recorded just after the answer goes out.
    await eventually(
      async () =>
        (await services.db
          .selectFrom('events')
          .select('name')
          .where('profile_id', '=', profileId)
          .where('name', '=', 'Unsubscribed')
          .executeTakeFirst()) !== undefined,
      { message: 'the Unsubscribed event' },
    );
    await eventually(
      async () =>
        (await services.db
          .selectFrom('events')
          .select('name')
          .where('profile_id', '=', profileId)
          .where('name', '=', 'Email Clicked')
          .executeTakeFirst()) !== undefined,
      { message: 'the Email Clicked event' },
    );
    const after = await services.db
      .selectFrom('messages')
      .select(['status', 'opened_at', 'clicked_at'])
      .where('id', '=', message.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('clicked');
    const stats = await services.caller().stats.journey({
      journeyId: (
        await services.db
          .selectFrom('messages')
          .select('journey_id')
          .where('id', '=', message.id)
          .executeTakeFirstOrThrow()
      ).journey_id!,
    });
    expect(stats.nodes.m.messages).toMatchObject({ clicked: 1, unsubscribed: 1 });
    expect(after.opened_at).not.toBeNull();
    const profile = await services.db
      .selectFrom('profiles')
      .select('traits')
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    expect(profile.traits).toMatchObject({ consent: { email: false } });
    const events = (
      await services.db.selectFrom('events').select('name').where('profile_id', '=', profileId).execute()
    ).map((event) => event.name);
    expect(events).toEqual(
      expect.arrayContaining(['Email Delivered', 'Email Opened', 'Email Clicked', 'Unsubscribed']),
    );
  });

  it('the preference page shows and changes consent per channel; later messages respect it', async () => {
    const { profileId } = await sendThrough(email('Weekly news'), {
      email: 'pref@example.com',
      phone: '+41790000001',
    });
    const preferences = /href="([^"]+\/p\/[^"]+)"/.exec(String(smtp.messages.at(-1)!.html))![1];
    const page = await (await fetch(preferences)).text();
    expect(page).toMatch(/name="email" value="1" checked/);
    expect(page).toMatch(/name="sms" value="1" checked/);
    // In the recipient's language: his browser's, or his profile's locale trait.
    const german = await (
      await fetch(preferences, { headers: { 'Accept-Language': 'de-CH,de;q=0.9,en;q=0.5' } })
    ).text();
    expect(german).toContain('<html lang="de">');
    expect(german).toContain('Ihre Einstellungen');
    expect(german).toContain('Textnachrichten (SMS)');
    expect(german).not.toContain('Your preferences');
    const unsubscribe = preferences.replace('/p/', '/u/');
    expect(await (await fetch(unsubscribe, { headers: { 'Accept-Language': 'de-DE' } })).text()).toContain(
      'Von diesen E-Mails abmelden',
    );
    expect(
      await (await fetch(unsubscribe, { headers: { 'Accept-Language': 'en-GB,de;q=0.8' } })).text(),
    ).toContain('Unsubscribe from these emails');
    const saved = await fetch(preferences, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'submitted=1&email=1&push=1',
    });
    expect(saved.status).toBe(200);
    const after = await saved.text();
    expect(after).toContain('Saved.');
    expect(after).toMatch(/name="sms" value="1">/);
    const profile = await services.db
      .selectFrom('profiles')
      .select('traits')
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    expect(profile.traits).toMatchObject({ consent: { email: true, sms: false, push: true } });
    await eventually(
      async () =>
        (
          await services.db
            .selectFrom('events')
            .select('properties')
            .where('profile_id', '=', profileId)
            .where('name', '=', 'Preferences Updated')
            .executeTakeFirst()
        )?.properties,
      { message: 'the Preferences Updated event' },
    );
    const event = await services.db
      .selectFrom('events')
      .select('properties')
      .where('profile_id', '=', profileId)
      .where('name', '=', 'Preferences Updated')
      .executeTakeFirstOrThrow();
    expect(event.properties).toMatchObject({ consent: { sms: false } });
    // The SMS opt-out holds for the next message; email still goes out.
    const sms = await services.db
      .selectFrom('profiles')
      .select('id')
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    const event2 = `Pref follow-up ${++counter}`;
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: event2 } },
          { id: 's', type: 'touchpoint.sms', config: { body: 'Flash sale' } },
          { id: 'e', ...email('Still wanted') },
        ],
        [
          ['t', 's'],
          ['s', 'e'],
        ],
      ),
    );
    await track(services, sms.id, event2);
    await drainSteps(services);
    await deliverDueMessages(services, environment);
    const statuses = await services.db
      .selectFrom('messages')
      .select(['node_id', 'status'])
      .where('journey_id', '=', journeyId)
      .orderBy('node_id')
      .execute();
    expect(statuses).toEqual([
      { node_id: 'e', status: 'sent' },
      { node_id: 's', status: 'suppressed' },
    ]);
    expect((await fetch(preferences.replace(/\.[^.]+$/, '.forged'))).status).toBe(400);
    // A locale trait on the profile wins over the browser's language.
    await services.db
      .updateTable('profiles')
      .set({ traits: sql`traits || '{"locale": "de-AT"}'::jsonb` })
      .where('id', '=', profileId)
      .execute();
    expect(await (await fetch(preferences, { headers: { 'Accept-Language': 'en-US' } })).text()).toContain(
      'Ihre Einstellungen',
    );
  });

  it('an address the mail server refuses is a hard bounce: recorded, not retried, not mailed again', async () => {
    smtp.rejectRecipients.add('gone@example.com');
    const { message, profileId, journeyId } = await sendThrough(email('Hello'), {
      email: 'gone@example.com',
    });
    expect(message.status).toBe('bounced');
    expect(message.error).toContain('550');
    const profile = await services.db
      .selectFrom('profiles')
      .select('traits')
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    expect(profile.traits).toMatchObject({ emailBounced: true });
    const events = (
      await services.db.selectFrom('events').select('name').where('profile_id', '=', profileId).execute()
    ).map((event) => event.name);
    expect(events).toContain('Email Bounced');
    const stats = await services.caller().stats.journey({ journeyId });
    expect(stats.nodes.m.messages).toEqual({ bounced: 1 });
  });

  it('a frequency cap suppresses what goes over it', async () => {
    await setChannels({ caps: { email: { max: 1, days: 7 } } });
    const profileId = await createProfile(services, { email: 'cap@example.com' });
    const journeyId = await publishGraph(
      services,
      buildGraph(
        [
          { id: 't', type: 'trigger.event', config: { event: 'Cap test' } },
          { id: 'a', ...email('First') },
          { id: 'b', ...email('Second') },
        ],
        [
          ['t', 'a'],
          ['a', 'b'],
        ],
      ),
    );
    await track(services, profileId, 'Cap test');
    await drainSteps(services);
    await deliverDueMessages(services, environment);
    const statuses = await services.db
      .selectFrom('messages')
      .select(['node_id', 'status', 'error'])
      .where('journey_id', '=', journeyId)
      .orderBy('node_id')
      .execute();
    expect(statuses).toEqual([
      { node_id: 'a', status: 'sent', error: null },
      { node_id: 'b', status: 'suppressed', error: 'frequency cap: 1 email in 7 days' },
    ]);
  });

  it("quiet hours hold a message until they end in the customer's timezone", async () => {
    const zone = 'Pacific/Kiritimati';
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date());
    const [hour] = local.split(':').map(Number);
    const start = `${String(hour).padStart(2, '0')}:00`;
    const end = `${String((hour + 2) % 24).padStart(2, '0')}:00`;
    await setChannels({ quietHours: { start, end } });
    const { message } = await sendThrough(email('Late night offer'), {
      email: 'night@example.com',
      timezone: zone,
    });
    expect(message.status).toBe('queued');
    expect(message.error).toBe(`quiet hours in ${zone}`);
    const resumes = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(message.send_after!);
    expect(resumes).toBe(end);
  });
});

describe('webhooks', () => {
  const hook = (url: string) => ({
    type: 'touchpoint.webhook',
    config: { url, body: '{"user": "{{ profile.userId }}", "plan": "{{ profile.plan }}"}' },
  });

  it('are signed, retried after a 500, and may set traits from the answer', async () => {
    await setChannels({
      webhook: { secret: 'webhook-signing-secret', allowHosts: ['127.0.0.1'], timeoutSeconds: 5 },
    });
    hooks.answers.push(500);
    hooks.responseBody = '{"traits": {"crmId": "CRM-7"}}';
    const before = hooks.requests.length;
    const { message, profileId } = await sendThrough(hook(`${hooks.url}/crm`), { plan: 'pro' });
    // A 500 is the target being down: the message waits, queued, and the target is paused until a probe.
    expect(message.status).toBe('queued');
    expect(message.error).toContain('500');
    expect(
      await services.db.selectFrom('delivery_providers').select(['provider', 'last_error']).execute(),
    ).toEqual([{ provider: `webhook:${new URL(hooks.url).host}`, last_error: 'the target answered 500' }]);
    await services.db
      .updateTable('messages')
      .set({ send_after: new Date(Date.now() - 1000) })
      .where('id', '=', message.id)
      .execute();
    await services.db
      .updateTable('delivery_providers')
      .set({ next_probe_at: new Date(Date.now() - 1000) })
      .execute();
    await deliverDueMessages(services, environment);
    expect(hooks.requests.length - before).toBe(2);
    const request = hooks.requests.at(-1)!;
    expect(JSON.parse(request.body)).toMatchObject({ plan: 'pro' });
    expect(request.headers['idempotency-key']).toBe(message.idempotency_key);
    const expected = `sha256=${createHmac('sha256', 'webhook-signing-secret').update(`${request.headers['x-waymark-timestamp']}.${request.body}`).digest('hex')}`;
    expect(request.headers['x-waymark-signature']).toBe(expected);
    const after = await services.db
      .selectFrom('messages')
      .select('status')
      .where('id', '=', message.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe('sent');
    expect(await services.db.selectFrom('delivery_providers').selectAll().execute()).toEqual([]); // the probe closed the pause
    const profile = await services.db
      .selectFrom('profiles')
      .select('traits')
      .where('id', '=', profileId)
      .executeTakeFirstOrThrow();
    expect(profile.traits).toMatchObject({ crmId: 'CRM-7' });
    hooks.responseBody = undefined;
  });

  it('to a private or loopback address are refused unless allow-listed', async () => {
    const before = hooks.requests.length;
    for (const url of [
      `${hooks.url}/x`,
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:9/x',
      'http://10.0.0.8/hook',
    ]) {
      const { message } = await sendThrough(hook(url), {});
      expect({ url, status: message.status }).toEqual({ url, status: 'failed' });
      expect(message.error).toMatch(/private or internal address/);
    }
    expect(hooks.requests.length).toBe(before);
  });

  it('a workspace admin alone cannot open a private host: the operator must allow it too (WAYMARK_ALLOW_PRIVATE_HOSTS)', async () => {
    await setChannels({ webhook: { allowHosts: ['127.0.0.1', '10.0.0.8'], timeoutSeconds: 5 } });
    const before = hooks.requests.length;
    const operatorAllows = environment.allowPrivateHosts;
    environment = { ...environment, allowPrivateHosts: [] };
    try {
      const { message } = await sendThrough(hook(`${hooks.url}/intranet`), {});
      expect(message).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/private or internal address/),
      });
      const api = services.caller(undefined, 'editor');
      const blocked = services.delivery!.allowPrivateHosts;
      services.delivery = { ...services.delivery!, allowPrivateHosts: [] };
      await expect(
        api.channels.sendTest({
          channel: 'webhook',
          content: { url: `${hooks.url}/intranet-test`, body: '{}' },
        }),
      ).rejects.toThrow(/private or internal address/);
      services.delivery = { ...services.delivery!, allowPrivateHosts: blocked };
      expect(hooks.requests.length).toBe(before);
    } finally {
      environment = { ...environment, allowPrivateHosts: operatorAllows };
    }
    // With the operator's consent the same workspace setting reaches it.
    const { message } = await sendThrough(hook(`${hooks.url}/intranet`), {});
    expect(message.status).toBe('sent');
  });
});

describe('SMS and push through the HTTP adapter', () => {
  it('posts the rendered body template with the provider authorization and the idempotency key', async () => {
    await setChannels({
      sms: {
        adapter: 'http',
        url: `${hooks.url}/sms`,
        authorization: 'Bearer sms-token',
        bodyTemplate: '{"To": "{{ to }}", "Body": {{ body | json }}, "Plan": "{{ profile.plan }}"}',
      },
      push: {
        adapter: 'http',
        url: `${hooks.url}/push`,
        bodyTemplate: '{"device": "{{ to }}", "title": {{ title | json }}, "text": {{ body | json }}}',
      },
      webhook: { allowHosts: ['127.0.0.1'], timeoutSeconds: 5 },
    });
    const before = hooks.requests.length;
    const sms = await sendThrough(
      { type: 'touchpoint.sms', config: { body: 'Hi {{ profile.firstName }}, "50%" off today' } },
      { phone: '+41790000002', firstName: 'Ann', plan: 'pro' },
    );
    expect(sms.message.status).toBe('sent');
    const smsRequest = hooks.requests[before];
    expect(smsRequest).toMatchObject({ method: 'POST', path: '/sms' });
    expect(smsRequest.headers.authorization).toBe('Bearer sms-token');
    expect(smsRequest.headers['idempotency-key']).toBe(sms.message.idempotency_key);
    expect(JSON.parse(smsRequest.body)).toEqual({
      To: '+41790000002',
      Body: 'Hi Ann, "50%" off today',
      Plan: 'pro',
    });

    const push = await sendThrough(
      {
        type: 'touchpoint.push',
        config: { title: 'For {{ profile.firstName }}', body: 'Your order shipped' },
      },
      { firstName: 'Ben' },
    );
    expect(push.message.status).toBe('sent');
    const pushRequest = hooks.requests[before + 1];
    expect(pushRequest.path).toBe('/push');
    expect(pushRequest.headers.authorization).toBeUndefined();
    expect(JSON.parse(pushRequest.body)).toMatchObject({ title: 'For Ben', text: 'Your order shipped' });
    expect(JSON.parse(pushRequest.body).device).toBeTruthy();

    hooks.answers.push(503);
    const retried = await sendThrough(
      { type: 'touchpoint.sms', config: { body: 'Again' } },
      { phone: '+41790000003' },
    );
    expect(retried.message).toMatchObject({ status: 'queued' });
    expect(retried.message.error).toContain('503');
    // The provider is paused: the next SMS waits without a request until the probe is due.
    const requestsWhilePaused = hooks.requests.length;
    const waiting = await sendThrough(
      { type: 'touchpoint.sms', config: { body: 'Waiting' } },
      { phone: '+41790000005' },
    );
    expect(waiting.message).toMatchObject({
      status: 'queued',
      error: 'waiting for the provider: the provider answered 503',
    });
    expect(hooks.requests.length).toBe(requestsWhilePaused);
    await services.db
      .updateTable('delivery_providers')
      .set({ next_probe_at: new Date(Date.now() - 1000) })
      .execute();
    hooks.answers.push(400);
    const refused = await sendThrough(
      { type: 'touchpoint.sms', config: { body: 'Refused' } },
      { phone: '+41790000004' },
    );
    expect(refused.message).toMatchObject({ status: 'failed', error: 'the provider answered 400' });
  });
});

describe('send test on every touchpoint', () => {
  it('renders for a chosen profile and sends once to the typed address, through the real provider, writing no message', async () => {
    await setChannels({
      email: { smtpUrl: smtp.url },
      sms: {
        adapter: 'http',
        url: `${hooks.url}/sms-test`,
        bodyTemplate: '{"To": "{{ to }}", "Body": {{ body | json }}}',
      },
      webhook: { allowHosts: ['127.0.0.1'], timeoutSeconds: 5 },
    });
    await createProfile(services, { email: 'tess@example.com', firstName: 'Tess' }, 'tess');
    const api = services.caller(undefined, 'editor');
    const messagesBefore = Number(
      (
        await services.db
          .selectFrom('messages')
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

    expect(
      await api.channels.sendTest({
        channel: 'sms',
        content: { body: 'Hi {{ profile.firstName }}' },
        profile: 'tess',
        to: '+41791112233',
      }),
    ).toEqual({ sent: true, via: 'HTTP 200' });
    expect(JSON.parse(hooks.requests.at(-1)!.body)).toEqual({ To: '+41791112233', Body: '[Test] Hi Tess' });
    await api.channels.sendTest({
      channel: 'webhook',
      content: { url: `${hooks.url}/crm-test`, body: '{"email": "{{ profile.email }}"}' },
      profile: 'tess@example.com',
    });
    expect(hooks.requests.at(-1)).toMatchObject({
      path: '/crm-test',
      body: '{"email": "tess@example.com"}',
      headers: expect.objectContaining({ 'x-waymark-test': '1' }),
    });
    const before = smtp.messages.length;
    await api.channels.sendTestEmail({
      subject: 'For {{ profile.firstName }}',
      html: '<p>x</p>',
      profile: 'tess',
      to: 'marketer@example.com',
    });
    expect(smtp.messages[before].subject).toBe('[Test] For Tess');

    await expect(
      api.channels.sendTest({ channel: 'sms', content: { body: 'x' }, profile: 'nobody-here', to: '+41' }),
    ).rejects.toThrow(/not found/);
    await expect(api.channels.sendTest({ channel: 'sms', content: { body: 'x' } })).rejects.toThrow(
      /phone number/,
    );
    await expect(
      api.channels.sendTest({ channel: 'webhook', content: { url: 'http://10.1.2.3/x', body: '' } }),
    ).rejects.toThrow(/private or internal/);
    expect(
      Number(
        (
          await services.db
            .selectFrom('messages')
            .select(sql<number>`count(*)`.as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(messagesBefore);
  });
});

describe('channel settings API', () => {
  it('never sends secrets to the browser, and a masked value on save keeps the stored secret', async () => {
    const api = services.caller();
    const saved = await api.channels.save({
      settings: {
        email: { smtpUrl: 'smtp://mailer:hunter2-secret@127.0.0.1:2525', from: 'Shop <shop@example.com>' },
        webhook: { secret: 'a-webhook-secret-123456', allowHosts: [] },
        sms: { adapter: 'http', url: 'https://sms.example.com/send', authorization: 'Bearer sms-token-xyz' },
      },
    });
    const shown = await api.channels.settings();
    for (const text of [JSON.stringify(saved), JSON.stringify(shown)]) {
      expect(text).not.toContain('hunter2-secret');
      expect(text).not.toContain('a-webhook-secret-123456');
      expect(text).not.toContain('sms-token-xyz');
    }
    await api.channels.save({
      settings: { ...shown, email: { ...shown.email, from: 'New <new@example.com>' } },
    });
    const channels = await loadChannelSettings(services.db, services.defaultWorkspaceId);
    expect(channels.email).toEqual({
      smtpUrl: 'smtp://mailer:hunter2-secret@127.0.0.1:2525',
      from: 'New <new@example.com>',
      uncertain: 'mark',
    });
    expect(channels.webhook.secret).toBe('a-webhook-secret-123456');
    expect(channels.sms.authorization).toBe('Bearer sms-token-xyz');
    await expect(api.channels.save({ settings: { caps: { email: { max: 0, days: 7 } } } })).rejects.toThrow(
      /channels\.caps\.email\.max/,
    );
  });

  it('saving one section keeps the others: frequency caps saved alone leave the quiet hours as they were', async () => {
    const api = services.caller();
    await api.channels.save({
      settings: { quietHours: { start: '21:00', end: '07:30' }, test: { email: 'qa@shop.example' } },
    });
    await api.channels.save({ settings: { caps: { email: { max: 3, days: 7 } } } });
    let channels = await loadChannelSettings(services.db, services.defaultWorkspaceId);
    expect(channels.quietHours).toEqual({ start: '21:00', end: '07:30' });
    expect(channels.test.email).toBe('qa@shop.example');
    expect(channels.caps.email).toEqual({ max: 3, days: 7 });
    // A section sent replaces that section; null clears an optional one.
    await api.channels.save({ settings: { quietHours: null, caps: {} } });
    channels = await loadChannelSettings(services.db, services.defaultWorkspaceId);
    expect(channels.quietHours).toBeUndefined();
    expect(channels.caps).toEqual({});
    expect(channels.test.email).toBe('qa@shop.example');
    // Bad input names the field and changes nothing.
    await expect(
      api.channels.save({ settings: { quiethours: { start: '22:00', end: '06:00' } } }),
    ).rejects.toThrow(/channels\.quiethours.*not a settings section/);
    await expect(
      api.channels.save({
        settings: { quietHours: { start: '25:00', end: '06:00' }, caps: { email: { max: 5, days: 1 } } },
      }),
    ).rejects.toThrow(/channels\.quietHours\.start/);
    expect(await loadChannelSettings(services.db, services.defaultWorkspaceId)).toEqual(channels);
    await api.channels.save({ settings: { test: {} } });
  });

  it('a masked secret is not kept when its destination changes: the new host must be given the secret again', async () => {
    const api = services.caller();
    await api.channels.save({
      settings: {
        email: { smtpUrl: 'smtp://mailer:hunter2-secret@127.0.0.1:2525' },
        sms: { adapter: 'http', url: 'https://sms.example.com/send', authorization: 'Bearer sms-token-xyz' },
        push: { adapter: 'http', url: 'https://push.example.com/v1', authorization: 'Bearer push-token' },
      },
    });
    const shown = await api.channels.settings();
    const attempts = [
      {
        ...shown,
        email: {
          ...shown.email,
          smtpUrl: shown.email.smtpUrl!.replace('127.0.0.1:2525', 'attacker.example:2525'),
        },
      },
      { ...shown, email: { ...shown.email, smtpUrl: shown.email.smtpUrl!.replace(':2525', ':2526') } },
      { ...shown, email: { ...shown.email, smtpUrl: shown.email.smtpUrl!.replace('smtp:', 'smtps:') } },
      { ...shown, sms: { ...shown.sms, url: 'https://attacker.example/send' } },
      { ...shown, push: { ...shown.push, url: 'http://push.example.com/v1' } },
    ];
    for (const settings of attempts)
      await expect(api.channels.save({ settings })).rejects.toThrow(
        /enter (its password|the secret for the new address) again/,
      );
    // Nothing changed; a new path on the same host keeps the token; a new host with the secret typed works.
    expect((await loadChannelSettings(services.db, services.defaultWorkspaceId)).email.smtpUrl).toBe(
      'smtp://mailer:hunter2-secret@127.0.0.1:2525',
    );
    await api.channels.save({
      settings: { ...shown, sms: { ...shown.sms, url: 'https://sms.example.com/v2/send' } },
    });
    expect((await loadChannelSettings(services.db, services.defaultWorkspaceId)).sms.authorization).toBe(
      'Bearer sms-token-xyz',
    );
    await api.channels.save({
      settings: {
        ...shown,
        email: { ...shown.email, smtpUrl: 'smtp://mailer:new-password@mail.example.com:2525' },
      },
    });
    expect((await loadChannelSettings(services.db, services.defaultWorkspaceId)).email.smtpUrl).toBe(
      'smtp://mailer:new-password@mail.example.com:2525',
    );
  });

  it('stores secrets sealed: the database holds no SMTP password, token or webhook secret in clear', async () => {
    const api = services.caller();
    await api.channels.save({
      settings: {
        email: { smtpUrl: `smtp://mailer:sealed-password-42@${smtp.url.slice('smtp://'.length)}` },
        webhook: { secret: 'sealed-webhook-secret-1', allowHosts: [] },
        push: {
          adapter: 'http',
          url: 'https://push.example.com/send',
          authorization: 'Bearer sealed-push-token',
        },
      },
    });
    const { rows } = await sql<{
      text: string;
    }>`SELECT settings::text AS text FROM workspaces WHERE id = ${services.defaultWorkspaceId}`.execute(
      services.db,
    );
    for (const secretText of ['sealed-password-42', 'sealed-webhook-secret-1', 'sealed-push-token'])
      expect(rows[0].text).not.toContain(secretText);
    expect(rows[0].text.match(/enc:v1:/g)).toHaveLength(3);
    const signing = await services.db
      .selectFrom('secrets')
      .select('value')
      .where('name', '=', 'signing')
      .executeTakeFirst();
    if (signing) expect(signing.value).toMatch(/^enc:v1:/);
    // …and the server still uses them: the SMTP password reaches the mail server.
    const before = smtp.messages.length;
    const { message } = await sendThrough(email('Sealed'), { email: 'sealed@example.com' });
    expect(message.status).toBe('sent');
    expect(smtp.messages[before].subject).toBe('Sealed');
    expect(smtp.logins).toContain('mailer:sealed-password-42');
    await api.channels.save({ settings: { email: {} } });
  });

  it('tests the SMTP connection, previews for a sample profile and sends a test email', async () => {
    const api = services.caller();
    await api.channels.save({ settings: { email: { smtpUrl: smtp.url } } });
    expect(await api.channels.testSmtp()).toMatchObject({ ok: true });
    const preview = await api.channels.preview({
      subject: 'Hi {{ profile.firstName }}',
      html: '<p>{{ event.total }} CHF</p>',
      sample: { firstName: 'Lea' },
      event: { total: 42 },
    });
    expect(preview).toMatchObject({ ok: true, subject: 'Hi Lea', html: '<p>42 CHF</p>', text: '42 CHF' });
    expect(await api.channels.preview({ subject: '{{ x | nope }}', html: '' })).toMatchObject({ ok: false });
    const before = smtp.messages.length;
    await api.channels.sendTestEmail({
      subject: 'Hello {{ profile.firstName }}',
      html: '<p>Test</p>',
      sample: { firstName: 'Lea' },
      to: 'marketer@example.com',
    });
    expect(smtp.messages[before].subject).toBe('[Test] Hello Lea');
    await api.channels.save({ settings: { email: { smtpUrl: 'smtp://127.0.0.1:1' } } });
    expect(await api.channels.testSmtp()).toMatchObject({ ok: false });
  });

  it("a workspace's SMTP server on a private or loopback address is refused unless the operator allows its host", async () => {
    const api = services.caller();
    const allowed = services.delivery!.allowPrivateHosts;
    const port = new URL(smtp.url).port;
    try {
      services.delivery = { ...services.delivery!, allowPrivateHosts: [] };
      const before = smtp.received;
      for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', 'localhost']) {
        await api.channels.save({ settings: { email: { smtpUrl: `smtp://${host}:${port}` } } });
        const result = await api.channels.testSmtp();
        expect({ host, ...result }).toMatchObject({
          host,
          ok: false,
          message: expect.stringContaining('private or internal address'),
        });
        await expect(
          api.channels.sendTestEmail({ subject: 'x', html: '<p>x</p>', to: 'marketer@example.com' }),
        ).rejects.toThrow(/private or internal address/);
      }
      // Delivery of a journey's email fails that message with the reason; nothing reaches the server.
      environment = { ...environment, allowPrivateHosts: [] };
      await setChannels({ email: { smtpUrl: smtp.url } });
      const { message } = await sendThrough(email('Blocked'), { email: 'ssrf@example.com' });
      expect(message).toMatchObject({
        status: 'failed',
        error: expect.stringContaining('private or internal address'),
      });
      expect(smtp.received).toBe(before);
      // The operator's own SMTP_URL is trusted as configured.
      await setChannels({});
      expect((await sendThrough(email('Operator server'), { email: 'ops@example.com' })).message.status).toBe(
        'sent',
      );
    } finally {
      services.delivery = { ...services.delivery!, allowPrivateHosts: allowed };
      environment = { ...environment, allowPrivateHosts: allowed };
    }
  });
});
