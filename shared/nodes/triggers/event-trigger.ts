// Trigger: a concrete event starts the journey (transactional or behavioural).
import { z } from 'zod';
import { conditionSchema, summarizeCondition } from '../../conditions';
import { defineNodeType } from '../../node-type';

export const eventTrigger = defineNodeType({
  type: 'trigger.event',
  version: 1,
  category: 'trigger',
  label: 'Event',
  description: 'Starts when the customer does something: Cart Abandoned, Order Completed, Account Created…',
  icon: 'zap',
  config: z.object({
    event: z.string().min(1, 'name the event that starts the journey').max(200).default('Cart Abandoned'),
    where: conditionSchema.optional(),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => `When ${config.event}${config.where?.rules.length ? ` where ${summarizeCondition(config.where)}` : ''}`,
  trigger: { kind: 'event', eventName: (config) => config.event },
  execute: () => ({ port: 'out' }),
});
