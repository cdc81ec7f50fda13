// Email over SMTP (nodemailer): Liquid-rendered subject and body, a text fallback, the
// idempotency key as Message-ID, one-click unsubscribe (RFC 8058), a preference page link, open pixel and click tracking.
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { InvalidInputError } from '../errors';
import { checkedAddress } from './network-guard';
import { signToken } from './signing';
import { templateRenderer, type TemplateData } from './templates';
import type { RecipientLanguage } from './recipient-language';

const transports = new Map<string, Transporter>();

/** Pooled connections per SMTP server: a handful of connections, each carrying many messages. */
export interface SmtpPool {
  connections: number;
  messages: number;
}
const defaultPool: SmtpPool = { connections: 5, messages: 100 };

function transportFor(options: string | SMTPTransport.Options, pool: SmtpPool = defaultPool): Transporter {
  const key = `${typeof options === 'string' ? options : JSON.stringify(options)} ${pool.connections}/${pool.messages}`;
  let transport = transports.get(key);
  if (!transport) {
    const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };
    const pooled = { pool: true, maxConnections: pool.connections, maxMessages: pool.messages };
    transport = nodemailer.createTransport({
      ...(typeof options === 'string' ? { url: options } : options),
      ...timeouts,
      ...pooled,
    } as SMTPTransport.Options);
    transports.set(key, transport);
  }
  return transport;
}

/** Closes the pooled SMTP connections (at shutdown). */
export function closeSmtpPools(): void {
  for (const transport of transports.values()) transport.close();
  transports.clear();
}

/**
 * Where an email goes: the operator's SMTP_URL (trusted as it is), or a workspace's own SMTP
 * server — checked against private networks like every other outbound target, unless the
 * operator allows its host (WAYMARK_ALLOW_PRIVATE_HOSTS, e.g. a local Mailpit).
 */
export interface SmtpTarget {
  url: string;
  /** Set by a workspace: its host is checked, and the connection goes to the checked address. */
  checked: boolean;
  allowPrivateHosts?: readonly string[];
}

export function smtpTarget(
  workspaceUrl: string | undefined,
  operatorUrl: string | undefined,
  allowPrivateHosts?: readonly string[],
): SmtpTarget | undefined {
  if (workspaceUrl) return { url: workspaceUrl, checked: true, allowPrivateHosts };
  return operatorUrl ? { url: operatorUrl, checked: false } : undefined;
}

/** Connection options for a target: a checked one connects to the address that was checked. */
export async function smtpConnection(target: SmtpTarget): Promise<string | SMTPTransport.Options> {
  if (!target.checked) return target.url;
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new InvalidInputError(
      'email.smtpUrl',
      'an SMTP address such as smtp://user:password@mail.example.com:587',
    );
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new InvalidInputError('email.smtpUrl', 'an SMTP address starting with smtp:// or smtps://');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const { address } = await checkedAddress(
    host,
    (target.allowPrivateHosts ?? []).map((allowed) => allowed.toLowerCase()),
  );
  const secure = url.protocol === 'smtps:';
  return {
    host: address,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    // TLS still checks the certificate against the name that was configured.
    ...(net.isIP(host) ? {} : { tls: { servername: host } }),
  };
}

export interface OutgoingEmail {
  messageId: string;
  idempotencyKey: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text?: string;
  marketing: boolean;
  /** The language of the footer Waymark adds (unsubscribe, preferences); English when not given. */
  language?: RecipientLanguage;
}

const footerWords: Record<RecipientLanguage, { unsubscribe: string; preferences: string }> = {
  en: { unsubscribe: 'Unsubscribe', preferences: 'Preferences' },
  de: { unsubscribe: 'Abmelden', preferences: 'Einstellungen' },
};

export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h\d|li)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&(quot|#34);/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A subject fit for its header: one line, no control characters. */
function headerSafe(subject: string): string {
  return (
    subject
      .replace(/[\r\n]+/g, ' ')
      // eslint-disable-next-line no-control-regex -- removing control characters is what this does
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .trim()
  );
}

/**
 * An email's subject, HTML and text as its recipient sees them (the text derived from the HTML
 * when not given). Values in the HTML are escaped (`| raw` for trusted HTML); the subject and
 * text part are plain text, unescaped.
 */
export async function renderEmail(
  content: { subject?: unknown; html?: unknown; text?: unknown },
  data: TemplateData,
): Promise<{ subject: string; html: string; text: string }> {
  const render = templateRenderer(data);
  const html = await templateRenderer(data, 'html')(content.html);
  return {
    subject: headerSafe(await render(content.subject)),
    html,
    text: content.text ? await render(content.text) : htmlToText(html),
  };
}

/** Links through the click redirect, a pixel for opens, and the unsubscribe link for marketing mail. */
export function addTracking(
  email: OutgoingEmail,
  publicUrl: string,
  secret: string,
): { html: string; unsubscribeUrl: string } {
  const token = signToken(secret, { m: email.messageId, c: 'email' });
  const unsubscribeUrl = `${publicUrl}/u/${token}`;
  let html = email.html.replace(
    /href="(https?:\/\/[^"]+)"/gi,
    (_match, url: string) =>
      `href="${publicUrl}/t/c/${signToken(secret, { m: email.messageId, u: url.replace(/&amp;/g, '&') })}"`,
  );
  html += `<img src="${publicUrl}/t/o/${signToken(secret, { m: email.messageId })}" width="1" height="1" alt="" style="display:none">`;
  const words = footerWords[email.language ?? 'en'];
  if (email.marketing)
    html += `<p style="font-size:12px;color:#777"><a href="${unsubscribeUrl}">${words.unsubscribe}</a> · <a href="${publicUrl}/p/${token}">${words.preferences}</a></p>`;
  return { html, unsubscribeUrl };
}

export async function sendEmail(
  smtp: SmtpTarget | undefined,
  email: OutgoingEmail,
  publicUrl: string,
  secret: string,
  log: (line: string) => void,
  pool?: SmtpPool,
): Promise<string> {
  const { html, unsubscribeUrl } = addTracking(email, publicUrl, secret);
  let text = email.text || htmlToText(email.html);
  if (email.marketing)
    text += `\n\n--\n${footerWords[email.language ?? 'en'].unsubscribe}: ${unsubscribeUrl}`;
  const headers: Record<string, string> = { 'X-Waymark-Idempotency-Key': email.idempotencyKey };
  if (email.marketing) {
    headers['List-Unsubscribe'] = `<${unsubscribeUrl}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  const messageId = `<${email.idempotencyKey.replace(/[^A-Za-z0-9.:-]/g, '-')}@waymark>`;
  if (!smtp) {
    log(`[email] (no SMTP server configured: logged, not sent) to ${email.to}: ${email.subject}`);
    return `log:${messageId}`;
  }
  const info = await transportFor(await smtpConnection(smtp), pool).sendMail({
    from: email.from,
    to: email.to,
    subject: email.subject,
    html,
    text,
    messageId,
    headers,
  });
  return info.messageId ?? messageId;
}
