// Channel settings as the UI sees them: secrets (SMTP password, provider tokens, webhook secret)
// never leave the server — they come back masked, and a masked value on save keeps the stored one.
// They are stored sealed (server/security/encryption.ts).
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { channelSettingsSchema, type ChannelSettings } from '../../shared/channel-settings';
import type { Executor } from '../db/database';
import { InvalidInputError } from '../errors';
import { loadChannelSettings, sealChannelSecrets } from './channel-context';

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

function keepSecret(next: string | undefined, current: string | undefined): string | undefined {
  return next === masked ? current : next;
}

function keepUrlPassword(next: string | undefined, current: string | undefined): string | undefined {
  if (!next || !current) return next;
  const parsed = new URL(next);
  if (decodeURIComponent(parsed.password) === masked) {
    parsed.password = new URL(current).password;
  }
  return parsed.toString();
}

export async function saveChannelSettings(db: Executor, workspaceId: string, input: unknown): Promise<ChannelSettings> {
  const parsed = channelSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`channels.${issue.path.join('.')}`, issue.message);
  }
  const current = await loadChannelSettings(db, workspaceId);
  const next: ChannelSettings = {
    ...parsed.data,
    email: { ...parsed.data.email, smtpUrl: keepUrlPassword(parsed.data.email.smtpUrl, current.email.smtpUrl) },
    sms: { ...parsed.data.sms, authorization: keepSecret(parsed.data.sms.authorization, current.sms.authorization) },
    push: { ...parsed.data.push, authorization: keepSecret(parsed.data.push.authorization, current.push.authorization) },
    webhook: { ...parsed.data.webhook, secret: keepSecret(parsed.data.webhook.secret, current.webhook.secret) },
  };
  await sql`UPDATE workspaces SET settings = jsonb_set(settings, '{channels}', ${JSON.stringify(sealChannelSecrets(next))}::jsonb) WHERE id = ${workspaceId}`.execute(db);
  return maskSettings(next);
}

/** Connects to the SMTP server and says whether it answers (without sending anything). */
export async function testSmtpConnection(smtpUrl: string | undefined): Promise<{ ok: boolean; message: string }> {
  if (!smtpUrl) return { ok: false, message: 'no SMTP server is configured' };
  const transport = nodemailer.createTransport(smtpUrl, { connectionTimeout: 5000, greetingTimeout: 5000 } as never);
  try {
    await transport.verify();
    return { ok: true, message: 'the SMTP server answered' };
  } catch (error) {
    return { ok: false, message: `the SMTP server did not accept the connection (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    transport.close();
  }
}
