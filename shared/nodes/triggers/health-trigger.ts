// Trigger: the customer health score crosses a level (churn early warning).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const healthTrigger = defineNodeType({
  type: 'trigger.health',
  version: 1,
  category: 'trigger',
  label: 'Health score',
  description: 'Starts when the customer health score falls below (or rises above) a level.',
  icon: 'heart-pulse',
  config: z.object({
    direction: z
      .enum(['below', 'above'])
      .default('below')
      .meta({ title: 'When the score', options: { below: 'falls below', above: 'rises above' } }),
    level: z.number().min(0).max(100).default(40).meta({
      title: 'Level',
      description: 'From 0 to 100; Settings → Health score says how the score is made.',
    }),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) =>
    `Health score ${config.direction === 'below' ? 'falls below' : 'rises above'} ${config.level}`,
  trigger: { kind: 'health' },
  translations: {
    de: {
      label: 'Health Score',
      description:
        'Startet, wenn der Health Score des Kunden unter eine Schwelle fällt (oder über sie steigt).',
      ports: { out: 'weiter' },
      fields: {
        direction: { title: 'Wenn der Wert', options: { below: 'fällt unter', above: 'steigt über' } },
        level: {
          title: 'Schwelle',
          description: 'Von 0 bis 100; unter Einstellungen → Health Score steht, wie der Wert entsteht.',
        },
      },
      summary: (config) =>
        `Health Score ${config.direction === 'below' ? 'fällt unter' : 'steigt über'} ${config.level}`,
    },
  },
  execute: () => ({ port: 'out' }),
});
