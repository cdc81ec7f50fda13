// Condition: a control group that receives nothing, to measure the journey's lift.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const holdout = defineNodeType({
  type: 'condition.holdout',
  version: 1,
  category: 'condition',
  label: 'Holdout',
  description:
    'Keeps a fixed share of customers out (control group); the same customer always lands on the same side.',
  icon: 'shield-off',
  config: z.object({
    percent: z.number().min(0).max(100).default(10).meta({
      title: 'Held out (%)',
      description: 'This share gets nothing; comparing both sides shows what the journey adds.',
    }),
  }),
  ports: () => [
    { id: 'out', label: 'treated' },
    { id: 'holdout', label: 'holdout' },
  ],
  summary: (config) => `Hold out ${config.percent}%`,
  translations: {
    de: {
      label: 'Kontrollgruppe',
      description:
        'Hält einen festen Anteil der Kunden heraus (Kontrollgruppe); derselbe Kunde landet immer auf derselben Seite.',
      ports: { out: 'behandelt', holdout: 'Kontrollgruppe' },
      fields: {
        percent: {
          title: 'Herausgehalten (%)',
          description:
            'Dieser Anteil erhält nichts; der Vergleich beider Seiten zeigt, was die Journey bewirkt.',
        },
      },
      summary: (config) => `${String(config.percent).replace('.', ',')} % Kontrollgruppe`,
    },
  },
  execute: (ctx, config) => ({
    port: ctx.bucket(`${ctx.journeyId}:holdout`) * 100 < config.percent ? 'holdout' : 'out',
  }),
});
