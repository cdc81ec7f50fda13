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
    method: z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE']).default('POST').meta({ title: 'Method' }),
    url: z
      .string()
      .url('a webhook needs a full URL (https://…)')
      .default('https://example.com/hooks/waymark')
      .meta({
        title: 'URL',
        description: 'The full address, https://…; addresses in private networks are refused.',
      }),
    headers: z.record(z.string(), z.string()).default({}).meta({
      title: 'Headers',
      description: 'Extra HTTP headers as JSON, e.g. {"Authorization": "Bearer …"}.',
    }),
    body: z.string().max(100_000).default('{"userId": "{{ profile.userId }}"}').meta({
      title: 'Body',
      description:
        'Usually JSON; variables such as {{ profile.userId }} are filled in. Each call is signed and carries an Idempotency-Key.',
      widget: 'liquid-multiline',
    }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `${config.method} ${config.url}`,
  translations: {
    de: {
      label: 'Webhook',
      description: 'Ruft einen HTTP-Endpunkt eines anderen Systems auf, signiert, mit einem Liquid-Body.',
      ports: { out: 'weiter' },
      fields: {
        method: { title: 'Methode' },
        url: {
          title: 'URL',
          description: 'Die volle Adresse, https://…; Adressen in privaten Netzen werden abgelehnt.',
        },
        headers: {
          title: 'Header',
          description: 'Zusätzliche HTTP-Header als JSON, z. B. {"Authorization": "Bearer …"}.',
        },
        body: {
          title: 'Body',
          description:
            'Meist JSON; Variablen wie {{ profile.userId }} werden eingesetzt. Jeder Aufruf ist signiert und trägt einen Idempotency-Key.',
        },
      },
      messages: {
        'a webhook needs a full URL (https://…)': 'Ein Webhook braucht eine volle URL (https://…)',
      },
    },
  },
  execute: (ctx, config) => {
    ctx.send({
      channel: 'webhook',
      to: config.url,
      content: { method: config.method, url: config.url, headers: config.headers, body: config.body },
    });
    return { port: 'out' };
  },
});
