// Links in messages: GET/POST /u/:token (unsubscribe, one click, RFC 8058), GET/POST /p/:token
// (preference page: consent per channel), GET /t/o/:token (open pixel), GET /t/c/:token (click
// redirect to the signed URL). Each becomes a profile event.
import type http from 'node:http';
import { sql } from 'kysely';
import { changeTraits } from '../profiles/trait-changes';
import type { Services } from '../services';
import { trackProfileEvent } from './profile-events';
import { verifyToken } from './signing';
import { recipientLanguage } from './recipient-language';

/** The words of these pages, in the recipient's language (his `locale` trait, else his browser's). */
const words = {
  en: {
    invalid: ['Invalid link', 'This link is not valid.'],
    gone: ['Preferences', 'We no longer hold any data about you.'],
    tooLarge: ['Too large', 'That form was too large.'],
    preferences: 'Your preferences',
    saved: 'Saved.',
    choose: 'Choose how we may contact you.',
    save: 'Save preferences',
    channels: { email: 'Emails', sms: 'Text messages (SMS)', push: 'Push notifications' },
    unsubscribed: 'Unsubscribed',
    youAreUnsubscribed: 'You are unsubscribed.',
    noMore: 'You will get no more of these emails.',
    manage: 'Manage all your preferences',
    unsubscribe: 'Unsubscribe',
    unsubscribeQuestion: 'Unsubscribe?',
    unsubscribeButton: 'Unsubscribe from these emails',
    notFound: 'Not found',
  },
  de: {
    invalid: ['Ungültiger Link', 'Dieser Link ist nicht gültig.'],
    gone: ['Einstellungen', 'Wir speichern keine Daten mehr über Sie.'],
    tooLarge: ['Zu groß', 'Das Formular war zu groß.'],
    preferences: 'Ihre Einstellungen',
    saved: 'Gespeichert.',
    choose: 'Wählen Sie, wie wir Sie kontaktieren dürfen.',
    save: 'Einstellungen speichern',
    channels: { email: 'E-Mails', sms: 'Textnachrichten (SMS)', push: 'Push-Benachrichtigungen' },
    unsubscribed: 'Abgemeldet',
    youAreUnsubscribed: 'Sie sind abgemeldet.',
    noMore: 'Sie erhalten keine dieser E-Mails mehr.',
    manage: 'Alle Ihre Einstellungen verwalten',
    unsubscribe: 'Abmelden',
    unsubscribeQuestion: 'Abmelden?',
    unsubscribeButton: 'Von diesen E-Mails abmelden',
    notFound: 'Nicht gefunden',
  },
};
type Language = keyof typeof words;

function languageOf(request: http.IncomingMessage, traits?: Record<string, unknown>): Language {
  return recipientLanguage(traits, request.headers['accept-language']);
}

const pixel = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function page(
  response: http.ServerResponse,
  status: number,
  title: string,
  body: string,
  language: Language = 'en',
): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Language': language,
  });
  response.end(`<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>
<body style="font-family:system-ui;max-width:32rem;margin:4rem auto;padding:0 1rem">${body}</body></html>`);
}

const preferenceChannels = ['email', 'sms', 'push'] as const;

function readForm(request: http.IncomingMessage, limit = 4096): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > limit) request.destroy(new Error('form too large'));
    });
    request.on('end', () => resolve(new URLSearchParams(body)));
    request.on('error', reject);
  });
}

function preferenceForm(consent: Record<string, unknown>, saved: boolean, language: Language): string {
  const text = words[language];
  const boxes = preferenceChannels
    .map(
      (channel) =>
        `<p><label><input type="checkbox" name="${channel}" value="1"${consent[channel] === false ? '' : ' checked'}> ${text.channels[channel]}</label></p>`,
    )
    .join('');
  return `<h1>${text.preferences}</h1>${saved ? `<p role="status"><strong>${text.saved}</strong></p>` : ''}<p>${text.choose}</p>
<form method="post">${boxes}<input type="hidden" name="submitted" value="1"><button type="submit">${text.save}</button></form>`;
}

/** Merges per-channel consent into the profile's `consent` trait. */
async function setConsent(
  services: Services,
  profileId: string,
  consent: Record<string, boolean>,
): Promise<void> {
  await services.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('profiles')
      .select('traits')
      .where('id', '=', profileId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return;
    const current = (row.traits as { consent?: unknown }).consent;
    const before = current && typeof current === 'object' && !Array.isArray(current) ? current : {};
    await changeTraits(trx, services.boss, [{ profileId, set: { consent: { ...before, ...consent } } }]);
  });
}

export function createTrackingHandler(services: Services, secret: () => Promise<string>) {
  const messageFor = (id: string) =>
    services.db
      .selectFrom('messages')
      .select(['id', 'profile_id', 'channel', 'journey_id', 'node_id'])
      .where('id', '=', id)
      .executeTakeFirst();

  return async function handleTracking(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    path: string,
  ): Promise<void> {
    const [, area, kind, rawToken] = path.split('/');
    const token = decodeURIComponent((area === 'u' || area === 'p' ? kind : rawToken) ?? '').replace(
      /\.gif$/,
      '',
    );
    const payload = verifyToken<{ m: string; u?: string; c?: string }>(await secret(), token);
    if (!payload) {
      const text = words[languageOf(request)];
      page(response, 400, text.invalid[0], `<h1>${text.invalid[1]}</h1>`, languageOf(request));
      return;
    }
    const message = await messageFor(payload.m);
    const profile =
      (area === 'p' || area === 'u') && message?.profile_id
        ? await services.db
            .selectFrom('profiles')
            .select(['id', 'traits'])
            .where('id', '=', message.profile_id)
            .executeTakeFirst()
        : undefined;
    const language = languageOf(request, profile?.traits as Record<string, unknown> | undefined);
    const text = words[language];
    if (area === 'p') {
      if (!profile) {
        page(response, 404, text.gone[0], `<h1>${text.gone[1]}</h1>`, language);
        return;
      }
      const current = ((profile.traits as Record<string, unknown>).consent ?? {}) as Record<string, unknown>;
      if (request.method !== 'POST') {
        page(response, 200, text.preferences, preferenceForm(current, false, language), language);
        return;
      }
      const form = await readForm(request).catch(() => null);
      if (!form) {
        response.setHeader('Connection', 'close');
        page(response, 413, text.tooLarge[0], `<h1>${text.tooLarge[1]}</h1>`, language);
        return;
      }
      const consent = Object.fromEntries(
        preferenceChannels.map((channel) => [channel, form.get(channel) === '1']),
      );
      await setConsent(services, profile.id, consent);
      page(response, 200, text.preferences, preferenceForm(consent, true, language), language);
      const changed = Object.fromEntries(
        Object.entries(consent).filter(([channel, value]) => (current[channel] !== false) !== value),
      );
      if (Object.keys(changed).length > 0) {
        await trackProfileEvent(
          services,
          profile.id,
          'Preferences Updated',
          { consent: changed, messageId: message!.id, journeyId: message!.journey_id },
          `preferences:${message!.id}:${Date.now()}`,
        );
      }
      return;
    }
    if (area === 'u') {
      if (
        request.method === 'POST' ||
        new URL(request.url ?? '/', 'http://x').searchParams.get('confirm') === '1'
      ) {
        if (message?.profile_id) {
          const channel = payload.c ?? 'email';
          await setConsent(services, message.profile_id, { [channel]: false });
          await services.db
            .updateTable('messages')
            .set({ unsubscribed_at: new Date() })
            .where('id', '=', message.id)
            .where('unsubscribed_at', 'is', null)
            .execute();
        }
        // The opt-out is stored; the customer's answer does not wait for the event that records it.
        page(
          response,
          200,
          text.unsubscribed,
          `<h1>${text.youAreUnsubscribed}</h1><p>${text.noMore}</p><p><a href="../p/${encodeURIComponent(token)}">${text.manage}</a></p>`,
          language,
        );
        if (message?.profile_id)
          await trackProfileEvent(
            services,
            message.profile_id,
            'Unsubscribed',
            { channel: payload.c ?? 'email', messageId: message.id, journeyId: message.journey_id },
            `unsubscribe:${message.id}`,
          );
        return;
      }
      page(
        response,
        200,
        text.unsubscribe,
        `<h1>${text.unsubscribeQuestion}</h1><form method="post"><button type="submit">${text.unsubscribeButton}</button></form>`,
        language,
      );
      return;
    }
    if (area === 't' && kind === 'o') {
      response.writeHead(200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' });
      response.end(pixel);
      if (message?.profile_id) {
        const updated = await services.db
          .updateTable('messages')
          .set({
            opened_at: new Date(),
            status: sql`CASE WHEN status IN ('sent', 'delivered') THEN 'opened' ELSE status END`,
          })
          .where('id', '=', message.id)
          .where('opened_at', 'is', null)
          .executeTakeFirst();
        if (updated.numUpdatedRows > 0n)
          await trackProfileEvent(
            services,
            message.profile_id,
            'Email Opened',
            { messageId: message.id, journeyId: message.journey_id, nodeId: message.node_id },
            `open:${message.id}`,
          );
      }
      return;
    }
    if (area === 't' && kind === 'c' && payload.u && /^https?:\/\//.test(payload.u)) {
      response.writeHead(302, { Location: payload.u, 'Cache-Control': 'no-store' });
      response.end();
      if (message?.profile_id) {
        const updated = await services.db
          .updateTable('messages')
          .set({ clicked_at: new Date(), status: 'clicked' })
          .where('id', '=', message.id)
          .where('clicked_at', 'is', null)
          .executeTakeFirst();
        if (updated.numUpdatedRows > 0n)
          await trackProfileEvent(
            services,
            message.profile_id,
            'Email Clicked',
            { messageId: message.id, url: payload.u, journeyId: message.journey_id, nodeId: message.node_id },
            `click:${message.id}`,
          );
      }
      return;
    }
    page(response, 404, text.notFound, `<h1>${text.notFound}</h1>`, language);
  };
}
