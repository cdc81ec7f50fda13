// Action: the journey's goal is reached (the run counts as converted).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const goal = defineNodeType({
  type: 'action.goal',
  version: 1,
  category: 'action',
  label: 'Goal reached',
  description: 'Counts the customer as converted; the journey may go on after it.',
  icon: 'flag',
  config: z.object({
    name: z
      .string()
      .max(100)
      .default('Converted')
      .meta({ title: 'Name', description: 'What stats call this conversion, e.g. Purchased.' }),
  }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => `Goal: ${config.name}`,
  translations: {
    de: {
      defaults: { name: 'Konvertiert' },
      label: 'Ziel erreicht',
      description: 'Zählt den Kunden als konvertiert; die Journey darf danach weitergehen.',
      ports: { out: 'weiter' },
      fields: {
        name: { title: 'Name', description: 'Wie die Statistik diese Konversion nennt, z. B. Gekauft.' },
      },
      summary: (config) => `Ziel: ${config.name}`,
    },
  },
  execute: (ctx) => {
    ctx.reachGoal();
    return { port: 'out' };
  },
});
