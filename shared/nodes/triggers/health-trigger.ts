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
    direction: z.enum(['below', 'above']).default('below'),
    level: z.number().min(0).max(100).default(40),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => `Health score ${config.direction === 'below' ? 'falls below' : 'rises above'} ${config.level}`,
  trigger: { kind: 'health' },
  execute: () => ({ port: 'out' }),
});
