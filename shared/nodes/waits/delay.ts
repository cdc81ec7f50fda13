// Wait: a fixed delay.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';
import { describeDuration, durationSchema, durationToMilliseconds } from '../../time';
import { durationTexts } from './duration-texts';

export const delay = defineNodeType({
  type: 'wait.delay',
  version: 1,
  category: 'wait',
  label: 'Delay',
  description: 'Waits a fixed time before the customer goes on.',
  icon: 'hourglass',
  config: z.object({
    duration: durationSchema.default({ amount: 1, unit: 'days' }).meta({ title: 'Wait for' }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Wait ${describeDuration(config.duration)}`,
  waits: true,
  translations: {
    de: {
      label: 'Verzögerung',
      description: 'Wartet eine feste Zeit, bevor der Kunde weitergeht.',
      ports: { out: 'weiter' },
      fields: { duration: { title: 'Warten für' }, ...durationTexts.de('duration') },
      summary: (config) => `${describeDuration(config.duration, 'de')} warten`,
      messages: durationTexts.messages.de,
    },
  },
  execute: (ctx, config) => {
    if (ctx.resume) return { port: 'out' };
    return { waitUntil: new Date(ctx.now.getTime() + durationToMilliseconds(config.duration)) };
  },
});
