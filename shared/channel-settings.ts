// Per-workspace channel settings: providers, frequency caps, quiet hours, webhook signing.
import { z } from 'zod';
import { timeOfDaySchema } from './time';

const capSchema = z.object({
  max: z.number().int().min(1).max(1000),
  days: z.number().int().min(1).max(365),
});
const httpAdapterSchema = z.object({
  adapter: z.enum(['log', 'http']).default('log'),
  url: z.string().url().optional(),
  /** e.g. "Basic …" or "Bearer …"; stored server-side only. */
  authorization: z.string().max(2000).optional(),
  /** Liquid; {{ to }}, {{ body }}, {{ title }} and the usual profile/event/vars. */
  bodyTemplate: z.string().max(10_000).default('{"to": "{{ to }}", "body": {{ body | json }}}'),
});

export const channelSettingsSchema = z.object({
  email: z
    .object({
      smtpUrl: z
        .string()
        .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
        .optional(),
      from: z.string().max(300).optional(),
      /**
       * An email whose sending was cut off after the mail server may have taken it (a worker died,
       * the connection broke): `mark` it uncertain and do not send it again (never twice, the
       * default), or `resend` it (never lost, perhaps twice).
       */
      uncertain: z.enum(['mark', 'resend']).default('mark'),
    })
    .default({ uncertain: 'mark' }),
  sms: httpAdapterSchema.default({
    adapter: 'log',
    bodyTemplate: '{"to": "{{ to }}", "body": {{ body | json }}}',
  }),
  push: httpAdapterSchema.default({
    adapter: 'log',
    bodyTemplate: '{"to": "{{ to }}", "title": {{ title | json }}, "body": {{ body | json }}}',
  }),
  caps: z
    .object({ email: capSchema.optional(), sms: capSchema.optional(), push: capSchema.optional() })
    .default({}),
  /** Messages due inside this window (customer's local time) wait until it ends. */
  quietHours: z.object({ start: timeOfDaySchema, end: timeOfDaySchema }).optional(),
  /** Test mode: where test runs' messages go instead of to the customer. */
  test: z
    .object({
      email: z.string().email('a test email address').optional(),
      phone: z.string().max(40).optional(),
      device: z.string().max(200).optional(),
    })
    .default({}),
  webhook: z
    .object({
      secret: z.string().min(16).max(200).optional(),
      /** Hosts in private ranges that webhooks may still reach (an on-premise CRM, say). */
      allowHosts: z.array(z.string().min(1).max(253)).max(50).default([]),
      timeoutSeconds: z.number().int().min(1).max(60).default(10),
    })
    .default({ allowHosts: [], timeoutSeconds: 10 }),
});

export type ChannelSettings = z.infer<typeof channelSettingsSchema>;
