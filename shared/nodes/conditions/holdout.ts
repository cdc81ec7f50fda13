// Condition: a control group that receives nothing, to measure the journey's lift.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const holdout = defineNodeType({
  type: 'condition.holdout',
  version: 1,
  category: 'condition',
  label: 'Holdout',
  description: 'Keeps a fixed share of customers out (control group); the same customer always lands on the same side.',
  icon: 'shield-off',
  config: z.object({ percent: z.number().min(0).max(100).default(10) }),
  ports: () => [
    { id: 'out', label: 'treated' },
    { id: 'holdout', label: 'holdout' },
  ],
  summary: (config) => `Hold out ${config.percent}%`,
  execute: (ctx, config) => ({ port: ctx.bucket(`${ctx.journeyId}:holdout`) * 100 < config.percent ? 'holdout' : 'out' }),
});
