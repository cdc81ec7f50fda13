// Touchpoint: a call to another system (CRM, ERP, shop, CMS).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const webhook = defineNodeType({
  type: 'touchpoint.webhook',
  version: 1,
  category: 'touchpoint',
  label: 'Webhook',
  description: 'Calls an HTTP endpoint of another system, signed, with a Liquid body.',
  icon: 'webhook',
  config: z.object({
    method: z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE']).default('POST'),
    url: z.string().url('a webhook needs a full URL (https://…)').default('https://example.com/hooks/waymark'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().max(100_000).default('{"userId": "{{ profile.userId }}"}'),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `${config.method} ${config.url}`,
  execute: (ctx, config) => {
    ctx.send({ channel: 'webhook', to: config.url, content: { method: config.method, url: config.url, headers: config.headers, body: config.body } });
    return { port: 'out' };
  },
});
