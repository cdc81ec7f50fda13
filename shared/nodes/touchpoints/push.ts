// Touchpoint: a push notification.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const push = defineNodeType({
  type: 'touchpoint.push',
  version: 1,
  category: 'touchpoint',
  label: 'Push',
  description: 'Sends a push notification to the customer\'s devices.',
  icon: 'smartphone',
  config: z.object({
    title: z.string().min(1, 'a push needs a title').max(200).default('News for you'),
    body: z.string().max(1000).default(''),
    url: z.string().max(2000).optional(),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Push “${config.title}”`,
  execute: (ctx, config) => {
    ctx.send({ channel: 'push', content: { title: config.title, body: config.body, url: config.url } });
    return { port: 'out' };
  },
});
