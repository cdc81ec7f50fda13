// Wait: a fixed delay.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';
import { describeDuration, durationSchema, durationToMilliseconds } from '../../time';

export const delay = defineNodeType({
  type: 'wait.delay',
  version: 1,
  category: 'wait',
  label: 'Delay',
  description: 'Waits a fixed time before the customer goes on.',
  icon: 'hourglass',
  config: z.object({ duration: durationSchema.default({ amount: 1, unit: 'days' }) }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Wait ${describeDuration(config.duration)}`,
  waits: true,
  execute: (ctx, config) => {
    if (ctx.resume) return { port: 'out' };
    return { waitUntil: new Date(ctx.now.getTime() + durationToMilliseconds(config.duration)) };
  },
});
