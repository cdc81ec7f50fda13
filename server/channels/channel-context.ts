// What delivery needs to know about a workspace and the server: channel settings, the public
// address for links, the signing secret, the default SMTP server.
import { channelSettingsSchema, type ChannelSettings } from '../../shared/channel-settings';
import type { Executor } from '../db/database';
import { openSecret, sealSecret } from '../security/encryption';

export interface DeliveryEnvironment {
  publicUrl: string;
  secret: string;
  defaultSmtpUrl?: string;
  defaultFrom: string;
  /** The lease on claimed messages, renewed while they are being sent (WAYMARK_DELIVERY_CLAIM_SECONDS). */
  claimTimeoutSeconds?: number;
  /** The longest pause between two probes of a provider that is down. */
  probeSeconds?: number;
  /** How long a message waits for a provider that is down before it expires. */
  maxAgeSeconds?: number;
  /** Messages sent to one provider at once by one worker. */
  concurrency?: number;
  /** Pooled SMTP connections: how many, and how many messages each carries before it is renewed. */
  smtpPool?: { connections: number; messages: number };
  /** Hosts an operator allows though they are private (WAYMARK_ALLOW_PRIVATE_HOSTS), e.g. a local Mailpit. */
  allowPrivateHosts?: readonly string[];
}

export async function loadChannelSettings(db: Executor, workspaceId: string): Promise<ChannelSettings> {
  const row = await db
    .selectFrom('workspaces')
    .select('settings')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  const raw = (row?.settings as { channels?: unknown } | undefined)?.channels ?? {};
  const parsed = channelSettingsSchema.safeParse(openChannelSecrets(raw));
  return parsed.success ? parsed.data : channelSettingsSchema.parse({});
}

/** Where channel settings hold secrets: the SMTP URL (it carries the password), provider tokens, the webhook secret. */
const secretFields = [
  ['email', 'smtpUrl'],
  ['sms', 'authorization'],
  ['push', 'authorization'],
  ['webhook', 'secret'],
] as const;

function mapSecrets<T>(settings: T, transform: (value: string) => string): T {
  const copy = { ...settings } as Record<string, Record<string, unknown> | undefined>;
  for (const [group, field] of secretFields) {
    const value = copy[group]?.[field];
    if (typeof value === 'string') copy[group] = { ...copy[group], [field]: transform(value) };
  }
  return copy as T;
}

/** The settings as stored: every secret sealed. */
export function sealChannelSecrets(settings: ChannelSettings): ChannelSettings {
  return mapSecrets(settings, sealSecret);
}

function openChannelSecrets(raw: unknown): unknown {
  return raw && typeof raw === 'object' ? mapSecrets(raw, openSecret) : raw;
}
