// Channel settings as the UI sees them: secrets (SMTP password, provider tokens, webhook secret)
// never leave the server — they come back masked, and a masked value on save keeps the stored one.
// They are stored sealed (server/security/encryption.ts).
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { channelSettingsSchema, type ChannelSettings } from '../../shared/channel-settings';
import type { Executor } from '../db/database';
import { InvalidInputError } from '../errors';
import { loadChannelSettings, sealChannelSecrets } from './channel-context';
import { smtpConnection, type SmtpTarget } from './email-sender';
import { BlockedTargetError } from './network-guard';

export const masked = '••••••••••••••••'; // long enough to pass the secret's own length check

function maskUrlPassword(url: string | undefined): string | undefined {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = masked;
    return parsed.toString();
  } catch {
    return masked;
  }
}

export function maskSettings(settings: ChannelSettings): ChannelSettings {
  return {
    ...settings,
    email: { ...settings.email, smtpUrl: maskUrlPassword(settings.email.smtpUrl) },
    sms: { ...settings.sms, authorization: settings.sms.authorization ? masked : undefined },
    push: { ...settings.push, authorization: settings.push.authorization ? masked : undefined },
    webhook: { ...settings.webhook, secret: settings.webhook.secret ? masked : undefined },
  };
}

/** Where a secret goes: scheme, host and port (a path or query may change under the same secret). */
function destination(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname.toLowerCase()}:${parsed.port}`;
  } catch {
    return null;
  }
}

/**
 * A masked secret keeps the stored one — only while it goes where it went: sent to another server,
 * a stored password or token would be handed to whoever runs that server. So a changed destination
 * needs the secret typed again.
 */
function keepSecret(
  next: string | undefined,
  current: string | undefined,
  where: { field: string; next?: string; current?: string } | null = null,
): string | undefined {
  if (next !== masked) return next;
  if (where && destination(where.next) !== destination(where.current)) {
    throw new InvalidInputError(
      where.field,
      'the address changed: enter the secret for the new address again',
    );
  }
  return current;
}

function keepUrlPassword(next: string | undefined, current: string | undefined): string | undefined {
  if (!next || !current) return next;
  const parsed = new URL(next);
  if (decodeURIComponent(parsed.password) === masked) {
    if (destination(next) !== destination(current)) {
      throw new InvalidInputError(
        'channels.email.smtpUrl',
        'the SMTP server changed: enter its password again',
      );
    }
    parsed.password = new URL(current).password;
  }
  return parsed.toString();
}

/**
 * Saves what was sent and keeps the rest: each section sent (email, sms, push, caps, quietHours,
 * test, webhook) replaces that section, a section left out stays as it is, and `null` clears an
 * optional one (quietHours: null ends quiet hours). Saving only the frequency caps leaves the
 * quiet hours alone.
 */
export async function saveChannelSettings(
  db: Executor,
  workspaceId: string,
  input: unknown,
): Promise<ChannelSettings> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new InvalidInputError('channels', 'expected an object of settings sections');
  const known = Object.keys(channelSettingsSchema.shape);
  const unknown = Object.keys(input).find((key) => !known.includes(key));
  if (unknown)
    throw new InvalidInputError(`channels.${unknown}`, `not a settings section (one of ${known.join(', ')})`);
  const current = await loadChannelSettings(db, workspaceId);
  const merged: Record<string, unknown> = { ...current };
  for (const [section, value] of Object.entries(input)) {
    if (value === null) delete merged[section];
    else merged[section] = value;
  }
  const parsed = channelSettingsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`channels.${issue.path.join('.')}`, issue.message);
  }
  const next: ChannelSettings = {
    ...parsed.data,
    email: {
      ...parsed.data.email,
      smtpUrl: keepUrlPassword(parsed.data.email.smtpUrl, current.email.smtpUrl),
    },
    sms: {
      ...parsed.data.sms,
      authorization: keepSecret(parsed.data.sms.authorization, current.sms.authorization, {
        field: 'channels.sms.authorization',
        next: parsed.data.sms.url,
        current: current.sms.url,
      }),
    },
    push: {
      ...parsed.data.push,
      authorization: keepSecret(parsed.data.push.authorization, current.push.authorization, {
        field: 'channels.push.authorization',
        next: parsed.data.push.url,
        current: current.push.url,
      }),
    },
    webhook: {
      ...parsed.data.webhook,
      secret: keepSecret(parsed.data.webhook.secret, current.webhook.secret),
    },
  };
  await sql`UPDATE workspaces SET settings = jsonb_set(settings, '{channels}', ${JSON.stringify(sealChannelSecrets(next))}::jsonb) WHERE id = ${workspaceId}`.execute(
    db,
  );
  return maskSettings(next);
}

/** Connects to the SMTP server and says whether it answers (without sending anything). */
export async function testSmtpConnection(
  target: SmtpTarget | undefined,
): Promise<{ ok: boolean; message: string }> {
  if (!target) return { ok: false, message: 'no SMTP server is configured' };
  let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
  try {
    const connection = await smtpConnection(target);
    transport =
      typeof connection === 'string'
        ? nodemailer.createTransport(connection, { connectionTimeout: 5000, greetingTimeout: 5000 } as never)
        : nodemailer.createTransport({ ...connection, connectionTimeout: 5000, greetingTimeout: 5000 });
    await transport.verify();
    return { ok: true, message: 'the SMTP server answered' };
  } catch (error) {
    if (error instanceof BlockedTargetError || error instanceof InvalidInputError)
      return { ok: false, message: error.message };
    return {
      ok: false,
      message: `the SMTP server did not accept the connection (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  } finally {
    transport?.close();
  }
}
