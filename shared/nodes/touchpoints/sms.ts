// Touchpoint: a text message.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const sms = defineNodeType({
  type: 'touchpoint.sms',
  version: 1,
  category: 'touchpoint',
  label: 'SMS',
  description: 'Sends a text message to the customer\'s phone.',
  icon: 'message-square',
  config: z.object({ body: z.string().min(1, 'an SMS needs a text').max(1600).default('Hi {{ profile.firstName }}!') }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `SMS “${config.body.slice(0, 40)}”`,
  execute: (ctx, config) => {
    ctx.send({ channel: 'sms', content: { body: config.body } });
    return { port: 'out' };
  },
});
