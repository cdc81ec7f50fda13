// Condition: if/else over traits, trigger-event properties, variables and event history.
import { z } from 'zod';
import { conditionSchema, summarizeCondition } from '../../conditions';
import { defineNodeType } from '../../node-type';

export const ifElse = defineNodeType({
  type: 'condition.if',
  version: 1,
  category: 'condition',
  label: 'If / else',
  description: 'Sends the customer down "yes" when the condition holds, else "no".',
  icon: 'split',
  config: z.object({
    condition: conditionSchema.default({ match: 'all', rules: [] }).meta({
      title: 'Condition',
      description:
        'Rules on traits, the trigger event, variables or what the customer did; "yes" when they hold.',
      widget: 'condition',
    }),
  }),
  ports: () => [
    { id: 'yes', label: 'yes' },
    { id: 'no', label: 'no' },
  ],
  summary: (config) => `If ${summarizeCondition(config.condition)}`,
  translations: {
    de: {
      label: 'Wenn / sonst',
      description: 'Schickt den Kunden über „ja“, wenn die Bedingung zutrifft, sonst über „nein“.',
      ports: { yes: 'ja', no: 'nein' },
      fields: {
        condition: {
          title: 'Bedingung',
          description:
            'Regeln zu Merkmalen, dem auslösenden Event, Variablen oder dem, was der Kunde getan hat; „ja“, wenn sie zutreffen.',
        },
      },
      summary: (config) => `Wenn ${summarizeCondition(config.condition, 'de')}`,
    },
  },
  execute: async (ctx, config) => ({ port: (await ctx.evaluate(config.condition)) ? 'yes' : 'no' }),
});
