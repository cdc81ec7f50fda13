// What delivery needs to know about a workspace and the server: channel settings, the public
// address for links, the signing secret, the default SMTP server.
import { channelSettingsSchema, type ChannelSettings } from '../../shared/channel-settings';
import type { Executor } from '../db/database';
import { openOptional, sealOptional } from '../security/encryption';

export interface DeliveryEnvironment {
  publicUrl: string;
  secret: string;
  defaultSmtpUrl?: string;
  defaultFrom: string;
  claimTimeoutSeconds?: number;
}

export async function loadChannelSettings(db: Executor, workspaceId: string): Promise<ChannelSettings> {
  const row = await db.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirst();
  const raw = (row?.settings as { channels?: unknown } | undefined)?.channels ?? {};
  const parsed = channelSettingsSchema.safeParse(openChannelSecrets(raw));
  return parsed.success ? parsed.data : channelSettingsSchema.parse({});
}

type StoredChannels = { email?: { smtpUrl?: unknown }; sms?: { authorization?: unknown }; push?: { authorization?: unknown }; webhook?: { secret?: unknown } };

/** The settings as stored: the SMTP URL (it carries the password), provider tokens and the webhook secret sealed. */
export function sealChannelSecrets(settings: ChannelSettings): ChannelSettings {
  return {
    ...settings,
    email: { ...settings.email, smtpUrl: sealOptional(settings.email.smtpUrl) },
    sms: { ...settings.sms, authorization: sealOptional(settings.sms.authorization) },
    push: { ...settings.push, authorization: sealOptional(settings.push.authorization) },
    webhook: { ...settings.webhook, secret: sealOptional(settings.webhook.secret) },
  };
}

function openChannelSecrets(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const stored = raw as StoredChannels;
  return {
    ...stored,
    ...(stored.email ? { email: { ...stored.email, smtpUrl: openOptional(stored.email.smtpUrl) } } : {}),
    ...(stored.sms ? { sms: { ...stored.sms, authorization: openOptional(stored.sms.authorization) } } : {}),
    ...(stored.push ? { push: { ...stored.push, authorization: openOptional(stored.push.authorization) } } : {}),
    ...(stored.webhook ? { webhook: { ...stored.webhook, secret: openOptional(stored.webhook.secret) } } : {}),
  };
}
