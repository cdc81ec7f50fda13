// Action: start the customer in another journey.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const startJourney = defineNodeType({
  type: 'action.start-journey',
  version: 1,
  category: 'action',
  label: 'Start journey',
  description: 'Starts the customer in another live journey (its entry rules apply).',
  icon: 'corner-down-right',
  config: z.object({ journeyId: z.string().uuid('choose the journey to start') }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Start journey ${config.journeyId.slice(0, 8)}`,
  execute: (ctx, config) => {
    ctx.startJourney(config.journeyId);
    return { port: 'out' };
  },
});
