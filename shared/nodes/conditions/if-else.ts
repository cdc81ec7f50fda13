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
  config: z.object({ condition: conditionSchema.default({ match: 'all', rules: [] }) }),
  ports: () => [
    { id: 'yes', label: 'yes' },
    { id: 'no', label: 'no' },
  ],
  summary: (config) => `If ${summarizeCondition(config.condition)}`,
  execute: async (ctx, config) => ({ port: (await ctx.evaluate(config.condition)) ? 'yes' : 'no' }),
});
