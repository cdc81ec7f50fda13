// Wait: for an event, with a timeout — two ways out.
import { z } from 'zod';
import { conditionSchema } from '../../conditions';
import { defineNodeType } from '../../node-type';
import { describeDuration, durationSchema, durationToMilliseconds } from '../../time';

export const waitForEvent = defineNodeType({
  type: 'wait.event',
  version: 1,
  category: 'wait',
  label: 'Wait for event',
  description: 'Waits until the customer does something, or the timeout passes — whichever comes first.',
  icon: 'ear',
  config: z.object({
    event: z.string().min(1, 'name the event to wait for').max(200).default('Order Completed'),
    where: conditionSchema.optional(),
    timeout: durationSchema.default({ amount: 3, unit: 'days' }),
  }),
  ports: () => [
    { id: 'event', label: 'event' },
    { id: 'timeout', label: 'timeout' },
  ],
  summary: (config) => `Wait for ${config.event} up to ${describeDuration(config.timeout)}`,
  waits: true,
  execute: (ctx, config) => {
    if (ctx.resume?.kind === 'event') {
      ctx.setVariable(`${ctx.nodeId}.event`, ctx.resume.event.properties);
      return { port: 'event' };
    }
    if (ctx.resume) return { port: 'timeout' };
    return {
      waitForEvent: {
        event: config.event,
        where: config.where,
        timeoutAt: new Date(ctx.now.getTime() + durationToMilliseconds(config.timeout)),
      },
    };
  },
});
