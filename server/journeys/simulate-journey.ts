// Simulate a journey draft for one customer — an existing profile with his event history, or
// sample traits — with the channel settings' quiet hours and every message rendered as it would
// be sent. Reads only: nothing goes to the outbox, no run or step is written, no stats change.
import type { JourneyGoal } from '../db/schema';
import type { ChannelSettings } from '../../shared/channel-settings';
import type { NodeTypeRegistry } from '../../shared/node-type';
import { simulate, type SimulatedEvent, type SimulatedStep } from '../../shared/simulate';
import { validateGraph } from '../../shared/validate-graph';
import { loadChannelSettings } from '../channels/channel-context';
import { renderEmail } from '../channels/email-sender';
import { templateRenderer, TemplateError } from '../channels/templates';
import type { Executor } from '../db/database';
import { GraphInvalidError, NotFoundError } from '../errors';

export interface SimulationRequest {
  journeyId: string;
  graph: unknown;
  profileId?: string;
  sample?: Record<string, unknown>;
  trigger?: { name: string; properties: Record<string, unknown> } | null;
  /** Events during the run, hours after the start ("buys after 2 days" = 48). */
  events?: Array<{ name: string; properties: Record<string, unknown>; afterHours: number }>;
  start?: string;
}

export interface RenderedMessage {
  channel: string;
  deliverAt: string;
  delayedBy?: string;
  subject?: string;
  html?: string;
  text?: string;
  body?: string;
  title?: string;
  url?: string;
  error?: string;
}

export async function simulateJourney(
  db: Executor,
  registry: NodeTypeRegistry,
  workspaceId: string,
  request: SimulationRequest,
) {
  const journey = await db
    .selectFrom('journeys')
    .select(['id', 'goal'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', request.journeyId)
    .executeTakeFirst();
  if (!journey) throw new NotFoundError('journey', request.journeyId);
  const validation = validateGraph(request.graph, registry);
  if (!validation.ok) throw new GraphInvalidError(validation.problems, validation.graph?.nodes);
  const start = request.start ? new Date(request.start) : new Date();

  let profile = {
    id: 'sample-profile',
    userId: 'sample' as string | null,
    traits: request.sample ?? {},
    tags: [] as string[],
  };
  let history: SimulatedEvent[] = [];
  if (request.profileId) {
    const row = await db
      .selectFrom('profiles')
      .select(['id', 'user_id', 'traits', 'tags'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', request.profileId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('profile', request.profileId);
    profile = {
      id: row.id,
      userId: row.user_id,
      traits: row.traits as Record<string, unknown>,
      tags: row.tags,
    };
    const events = await db
      .selectFrom('events')
      .select(['name', 'occurred_at'])
      .where('profile_id', '=', row.id)
      .where('occurred_at', '<=', start)
      .orderBy('occurred_at', 'desc')
      .limit(10_000)
      .execute();
    history = events.map((event) => ({ name: event.name, at: event.occurred_at.toISOString() }));
  }
  const settings: ChannelSettings = await loadChannelSettings(db, workspaceId);
  const result = await simulate({
    graph: validation.graph,
    journeyId: journey.id,
    registry,
    profile,
    history,
    start,
    quietHours: settings.quietHours,
    trigger: request.trigger ?? null,
    goal: (journey.goal as JourneyGoal | null) ?? null,
    events: (request.events ?? []).map((event) => ({
      name: event.name,
      properties: event.properties,
      at: new Date(start.getTime() + event.afterHours * 3_600_000).toISOString(),
    })),
  });
  const data = {
    profile: { ...result.traits, userId: profile.userId },
    event: request.trigger?.properties ?? {},
    vars: result.variables,
  };
  const render = templateRenderer(data);
  const steps = await Promise.all(
    result.steps.map(async (step: SimulatedStep) => ({
      ...step,
      messages: await Promise.all(
        step.messages.map(async (message): Promise<RenderedMessage> => {
          const base = {
            channel: message.channel,
            deliverAt: message.deliverAt,
            ...(message.delayedBy ? { delayedBy: message.delayedBy } : {}),
          };
          try {
            if (message.channel === 'email')
              return { ...base, ...(await renderEmail(message.content, data)) };
            if (message.channel === 'webhook')
              return {
                ...base,
                url: await render(message.content.url),
                body: await render(message.content.body),
              };
            return {
              ...base,
              title: message.content.title ? await render(message.content.title) : undefined,
              body: await render(message.content.body),
            };
          } catch (error) {
            if (error instanceof TemplateError) return { ...base, error: error.message };
            throw error;
          }
        }),
      ),
    })),
  );
  return {
    ...result,
    steps,
    start: start.toISOString(),
    timeZone: typeof profile.traits.timezone === 'string' ? profile.traits.timezone : 'UTC',
  };
}
