// Touchpoint: a text message.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const sms = defineNodeType({
  type: 'touchpoint.sms',
  version: 1,
  category: 'touchpoint',
  label: 'SMS',
  description: "Sends a text message to the customer's phone.",
  icon: 'message-square',
  config: z.object({
    body: z.string().min(1, 'an SMS needs a text').max(1600).default('Hi {{ profile.firstName }}!').meta({
      title: 'Text',
      description:
        'Up to 160 characters go as one SMS; variables such as {{ profile.firstName }} are filled in.',
      widget: 'liquid-multiline',
    }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `SMS “${config.body.slice(0, 40)}”`,
  translations: {
    de: {
      defaults: { body: 'Hallo {{ profile.firstName }}!' },
      label: 'SMS',
      description: 'Sendet eine SMS an das Telefon des Kunden.',
      ports: { out: 'weiter' },
      fields: {
        body: {
          title: 'Text',
          description:
            'Bis 160 Zeichen gehen als eine SMS; Variablen wie {{ profile.firstName }} werden eingesetzt.',
        },
      },
      summary: (config) => `SMS „${config.body.slice(0, 40)}“`,
      messages: { 'an SMS needs a text': 'Eine SMS braucht einen Text' },
    },
  },
  execute: (ctx, config) => {
    ctx.send({ channel: 'sms', content: { body: config.body } });
    return { port: 'out' };
  },
});
