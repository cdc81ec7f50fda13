// Touchpoint: a push notification.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const push = defineNodeType({
  type: 'touchpoint.push',
  version: 1,
  category: 'touchpoint',
  label: 'Push',
  description: "Sends a push notification to the customer's devices.",
  icon: 'smartphone',
  config: z.object({
    title: z
      .string()
      .min(1, 'a push needs a title')
      .max(200)
      .default('News for you')
      .meta({ title: 'Title', description: 'The bold first line of the notification.', widget: 'liquid' }),
    body: z.string().max(1000).default('').meta({ title: 'Text', widget: 'liquid-multiline' }),
    url: z
      .string()
      .max(2000)
      .optional()
      .meta({ title: 'Opens', description: 'A link or app deep link opened on tap (optional).' }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Push “${config.title}”`,
  translations: {
    de: {
      defaults: { title: 'Neues für Sie' },
      label: 'Push',
      description: 'Sendet eine Push-Benachrichtigung an die Geräte des Kunden.',
      ports: { out: 'weiter' },
      fields: {
        title: { title: 'Titel', description: 'Die fette erste Zeile der Benachrichtigung.' },
        body: { title: 'Text' },
        url: {
          title: 'Öffnet',
          description: 'Ein Link oder App-Deep-Link, der beim Antippen geöffnet wird (optional).',
        },
      },
      summary: (config) => `Push „${config.title}“`,
      messages: { 'a push needs a title': 'Eine Push-Nachricht braucht einen Titel' },
    },
  },
  execute: (ctx, config) => {
    ctx.send({ channel: 'push', content: { title: config.title, body: config.body, url: config.url } });
    return { port: 'out' };
  },
});
