// The Segment HTTP Tracking API's message shapes, in zod: identify, track, page, screen, group, alias.
import { z } from 'zod';
import { storableTime } from './message-limits';

/** A string field with messages that say which field and what was expected. */
const requiredString = (field: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`),
  });

const id = z.union([z.string().min(1).max(255), z.number().transform(String)]);
const dateish = z
  .union([z.string().max(64), z.number()])
  .optional()
  .refine(
    (value) => value === undefined || storableTime(new Date(value).getTime()),
    'expected an ISO-8601 date between the years 1900 and 9999',
  );
const jsonObject = z.record(z.string(), z.unknown());

const common = {
  userId: id.nullish(),
  anonymousId: id.nullish(),
  messageId: z.string().min(1).max(255).optional(),
  timestamp: dateish,
  sentAt: dateish,
  originalTimestamp: dateish,
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
};

const needsIdentity = (message: { userId?: string | null; anonymousId?: string | null }) =>
  Boolean(message.userId || message.anonymousId);
const identityMessage = { message: 'either userId or anonymousId is required', path: ['userId'] };

export const identifySchema = z
  .object({ type: z.literal('identify'), ...common, traits: jsonObject.default({}) })
  .refine(needsIdentity, identityMessage);
export const trackSchema = z
  .object({
    type: z.literal('track'),
    ...common,
    event: requiredString('event').min(1, 'event is required').max(200),
    properties: jsonObject.default({}),
  })
  .refine(needsIdentity, identityMessage);
export const pageSchema = z
  .object({
    type: z.literal('page'),
    ...common,
    name: z.string().max(200).optional(),
    category: z.string().max(200).optional(),
    properties: jsonObject.default({}),
  })
  .refine(needsIdentity, identityMessage);
export const screenSchema = z
  .object({
    type: z.literal('screen'),
    ...common,
    name: z.string().max(200).optional(),
    category: z.string().max(200).optional(),
    properties: jsonObject.default({}),
  })
  .refine(needsIdentity, identityMessage);
export const groupSchema = z
  .object({ type: z.literal('group'), ...common, groupId: id, traits: jsonObject.default({}) })
  .refine(needsIdentity, identityMessage);
export const aliasSchema = z.object({ type: z.literal('alias'), ...common, previousId: id, userId: id });

export const messageSchemas = {
  identify: identifySchema,
  track: trackSchema,
  page: pageSchema,
  screen: screenSchema,
  group: groupSchema,
  alias: aliasSchema,
} as const;

export type MessageType = keyof typeof messageSchemas;
export type SegmentMessage =
  | z.infer<typeof identifySchema>
  | z.infer<typeof trackSchema>
  | z.infer<typeof pageSchema>
  | z.infer<typeof screenSchema>
  | z.infer<typeof groupSchema>
  | z.infer<typeof aliasSchema>;

export interface MessageError {
  index: number;
  messageId?: string;
  errors: Array<{ field: string; message: string }>;
}

/** Parses one message of a known or declared type; returns the errors with field paths when it is bad. */
export function parseMessage(
  input: unknown,
  forcedType?: MessageType,
): { ok: true; message: SegmentMessage } | { ok: false; errors: Array<{ field: string; message: string }> } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '', message: 'expected a JSON object' }] };
  }
  const declared = forcedType ?? (input as { type?: unknown }).type;
  if (typeof declared !== 'string' || !Object.hasOwn(messageSchemas, declared)) {
    return {
      ok: false,
      errors: [{ field: 'type', message: `expected one of ${Object.keys(messageSchemas).join(', ')}` }],
    };
  }
  const parsed = messageSchemas[declared as MessageType].safeParse({ ...input, type: declared });
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    };
  }
  return { ok: true, message: parsed.data };
}

/** The event name a message is stored under. */
export function eventNameOf(message: SegmentMessage): string {
  switch (message.type) {
    case 'track':
      return message.event;
    case 'page':
      return 'Page Viewed';
    case 'screen':
      return 'Screen Viewed';
    case 'identify':
      return 'Identify';
    case 'group':
      return 'Group';
    case 'alias':
      return 'Alias';
  }
}

/**
 * When the event happened, as Segment has it: an explicit `timestamp` as sent; else
 * `originalTimestamp` corrected for the client's clock when `sentAt` is given (received −
 * (sentAt − originalTimestamp)); else `originalTimestamp`; else when we received it.
 */
export function occurredAtOf(message: SegmentMessage, receivedAt: Date): Date {
  const time = (value: unknown) =>
    value === undefined ? undefined : new Date(value as string | number).getTime();
  const timestamp = time(message.timestamp);
  if (timestamp !== undefined) return new Date(timestamp);
  const original = time(message.originalTimestamp);
  if (original === undefined) return receivedAt;
  const sentAt = time(message.sentAt);
  return new Date(sentAt !== undefined ? receivedAt.getTime() - (sentAt - original) : original);
}

/** The properties an event is stored with: a page's or screen's name and category among them. */
export function propertiesOf(message: SegmentMessage): Record<string, unknown> {
  switch (message.type) {
    case 'track':
      return message.properties;
    case 'page':
      return {
        ...(message.name !== undefined ? { name: message.name } : {}),
        ...(message.category !== undefined ? { category: message.category } : {}),
        ...message.properties,
      };
    case 'screen':
      return {
        ...(message.name !== undefined ? { name: message.name } : {}),
        ...(message.category !== undefined ? { category: message.category } : {}),
        ...message.properties,
      };
    default:
      return {};
  }
}
