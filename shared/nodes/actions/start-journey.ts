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
  config: z.object({
    journeyId: z
      .string()
      .uuid('choose the journey to start')
      .meta({ title: 'Journey', description: 'A live journey; its entry rules apply.', widget: 'journey' }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Start journey ${config.journeyId.slice(0, 8)}`,
  translations: {
    de: {
      label: 'Journey starten',
      description: 'Startet den Kunden in einer anderen Live-Journey (deren Eintrittsregeln gelten).',
      ports: { out: 'weiter' },
      fields: {
        journeyId: { title: 'Journey', description: 'Eine Live-Journey; ihre Eintrittsregeln gelten.' },
      },
      summary: (config) => `Journey ${config.journeyId.slice(0, 8)} starten`,
      messages: { 'choose the journey to start': 'Wählen Sie die Journey, die gestartet wird' },
    },
  },
  execute: (ctx, config) => {
    ctx.startJourney(config.journeyId);
    return { port: 'out' };
  },
});
