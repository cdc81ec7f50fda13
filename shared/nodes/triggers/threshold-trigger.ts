// Trigger: a measure crosses a line (spend over 5,000, 10th purchase, inactive for 60 days).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const thresholdTrigger = defineNodeType({
  type: 'trigger.threshold',
  version: 1,
  category: 'trigger',
  label: 'Threshold',
  description: 'Starts when a count or sum of an event crosses a value, or when a customer has been inactive for N days.',
  icon: 'trending-up',
  config: z.object({
    measure: z.enum(['count', 'sum', 'inactivity']).default('sum'),
    event: z.string().min(1, 'name the event to measure').max(200).default('Order Completed'),
    property: z.string().max(200).optional(),
    op: z.enum(['gte', 'gt']).default('gte'),
    value: z.number().min(0).default(5000),
    windowDays: z.number().int().positive().max(3650).optional(),
  }).refine((config) => config.measure !== 'sum' || Boolean(config.property), {
    message: 'a sum needs the event property to add up', path: ['property'],
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => {
    if (config.measure === 'inactivity') return `No ${config.event} for ${config.value} days`;
    const window = config.windowDays ? ` in ${config.windowDays} days` : '';
    const what = config.measure === 'count' ? `${config.event} count` : `${config.event} ${config.property} sum`;
    return `${what} ${config.op === 'gte' ? '≥' : '>'} ${config.value}${window}`;
  },
  trigger: { kind: 'threshold', eventName: (config) => config.event },
  execute: () => ({ port: 'out' }),
});
