// What delivery needs to know about a workspace and the server: channel settings, the public
// address for links, the signing secret, the default SMTP server.
import { channelSettingsSchema, type ChannelSettings } from '../../shared/channel-settings';
import type { Executor } from '../db/database';

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
  const parsed = channelSettingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : channelSettingsSchema.parse({});
}
