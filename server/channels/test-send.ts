// "Send test" on a touchpoint: render for a chosen profile (or sample traits) and send once, to an
// address typed by the marketer — through the workspace's real provider, marked as a test.
import type { ChannelSettings } from '../../shared/channel-settings';
import type { Executor } from '../db/database';
import { InvalidInputError, NotFoundError } from '../errors';
import { findProfileByReference } from '../profiles/profile-queries';
import { sendThroughProvider, sendWebhook } from './providers';
import { templateRenderer, TemplateError, type TemplateData } from './templates';

/** A profile by id, user id or email in this workspace: its traits as templates see them. */
export async function traitsFor(
  db: Executor,
  workspaceId: string,
  reference: { profileId?: string; profile?: string; sample: Record<string, unknown> },
): Promise<Record<string, unknown>> {
  const ref = reference.profileId ?? reference.profile?.trim();
  if (!ref) return reference.sample;
  const row = await findProfileByReference(db, workspaceId, ref);
  if (!row) throw new NotFoundError('profile', ref);
  return { ...(row.traits as Record<string, unknown>), userId: row.user_id };
}

export async function sendTestMessage(
  settings: ChannelSettings,
  operatorHosts: readonly string[] | undefined,
  channel: 'sms' | 'push' | 'webhook',
  content: Record<string, unknown>,
  data: TemplateData,
  to: string,
  log: (line: string) => void,
): Promise<{ sent: true; via: string }> {
  const render = templateRenderer(data);
  const key = `test:${Date.now()}:${Math.random().toString(36).slice(2)}`;
  try {
    if (channel === 'webhook') {
      const outcome = await sendWebhook(settings, operatorHosts, content, render, key, {
        'x-waymark-test': '1',
      });
      if (outcome.status >= 400) throw new InvalidInputError('url', `the target answered ${outcome.status}`);
      return { sent: true, via: `HTTP ${outcome.status}` };
    }
    const outcome = await sendThroughProvider(
      settings,
      operatorHosts,
      channel,
      { to, body: `[Test] ${await render(content.body)}`, title: await render(content.title) },
      data,
      key,
      log,
    );
    if (outcome === 'logged') return { sent: true, via: 'log adapter' };
    if (outcome.status >= 400) throw new InvalidInputError('to', `the provider answered ${outcome.status}`);
    return { sent: true, via: `HTTP ${outcome.status}` };
  } catch (error) {
    if (error instanceof TemplateError) throw new InvalidInputError('content', error.message);
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(
      channel === 'webhook' ? 'url' : 'to',
      `the test could not be sent: ${(error as Error).message}`,
    );
  }
}
