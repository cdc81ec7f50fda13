// Sending one rendered message through a workspace's provider: a webhook to its target (signed,
// checked against private ranges), or an SMS or push through the log adapter or the provider's
// HTTP API with its body template. Used by delivery and by "send test".
import type { ChannelSettings } from '../../shared/channel-settings';
import { deliverHttp, type HttpOutcome } from './http-sender';
import { renderTemplate, type TemplateData } from './templates';

/**
 * The private hosts a workspace's webhooks and providers may reach: those its admin lists that the
 * operator allows too (WAYMARK_ALLOW_PRIVATE_HOSTS). A workspace alone cannot open the way into the
 * server's network.
 */
export function reachablePrivateHosts(
  settings: ChannelSettings,
  operatorHosts: readonly string[] = [],
): string[] {
  const operator = new Set(operatorHosts.map((host) => host.toLowerCase()));
  return settings.webhook.allowHosts.filter((host) => operator.has(host.toLowerCase()));
}

/** `beforeSend` runs once the request is ready; when it answers false nothing is sent ('lost'). */
export async function sendWebhook(
  settings: ChannelSettings,
  operatorHosts: readonly string[] | undefined,
  content: Record<string, unknown>,
  render: (template: unknown) => Promise<string>,
  idempotencyKey: string,
  extraHeaders?: Record<string, string>,
): Promise<HttpOutcome>;
export async function sendWebhook(
  settings: ChannelSettings,
  operatorHosts: readonly string[] | undefined,
  content: Record<string, unknown>,
  render: (template: unknown) => Promise<string>,
  idempotencyKey: string,
  extraHeaders: Record<string, string>,
  beforeSend: () => Promise<boolean>,
): Promise<HttpOutcome | 'lost'>;
export async function sendWebhook(
  settings: ChannelSettings,
  operatorHosts: readonly string[] | undefined,
  content: Record<string, unknown>,
  render: (template: unknown) => Promise<string>,
  idempotencyKey: string,
  extraHeaders: Record<string, string> = {},
  beforeSend?: () => Promise<boolean>,
): Promise<HttpOutcome | 'lost'> {
  const url = await render(content.url);
  const body = await render(content.body);
  if (beforeSend && !(await beforeSend())) return 'lost';
  return deliverHttp({
    method: String(content.method ?? 'POST'),
    url,
    headers: { ...((content.headers ?? {}) as Record<string, string>), ...extraHeaders },
    body,
    idempotencyKey,
    signingSecret: settings.webhook.secret,
    allowHosts: reachablePrivateHosts(settings, operatorHosts),
    timeoutSeconds: settings.webhook.timeoutSeconds,
  });
}

/** Returns the provider's answer, or 'logged' when the channel uses the log adapter. */
export async function sendThroughProvider(
  settings: ChannelSettings,
  operatorHosts: readonly string[] | undefined,
  channel: 'sms' | 'push',
  message: { to: string; body: string; title: string },
  data: TemplateData,
  idempotencyKey: string,
  log: (line: string) => void,
): Promise<HttpOutcome | 'logged'> {
  const provider = settings[channel];
  if (provider.adapter === 'log' || !provider.url) {
    log(
      `[${channel}] (log adapter) to ${message.to}: ${message.title ? `${message.title} — ` : ''}${message.body}`,
    );
    return 'logged';
  }
  const payload = await renderTemplate(provider.bodyTemplate, {
    ...data,
    links: {},
    ...message,
  } as TemplateData);
  return deliverHttp({
    method: 'POST',
    url: provider.url,
    headers: provider.authorization ? { authorization: provider.authorization } : {},
    body: payload,
    idempotencyKey,
    allowHosts: reachablePrivateHosts(settings, operatorHosts),
    timeoutSeconds: settings.webhook.timeoutSeconds,
  });
}
