// Action: the customer leaves the journey here.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const exit = defineNodeType({
  type: 'action.exit',
  version: 1,
  category: 'action',
  label: 'Exit',
  description: "Ends the customer's trip through this journey.",
  icon: 'log-out',
  config: z.object({}),
  ports: () => [],
  summary: () => 'Exit journey',
  translations: {
    de: {
      label: 'Ende',
      description: 'Beendet den Weg des Kunden durch diese Journey.',
      summary: () => 'Journey verlassen',
    },
  },
  execute: () => ({ exit: true }),
});
