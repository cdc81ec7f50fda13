// Trigger: the profile enters a segment (its traits now match a condition).
import { z } from 'zod';
import { conditionSchema, summarizeCondition } from '../../conditions';
import { defineNodeType } from '../../node-type';

export const segmentTrigger = defineNodeType({
  type: 'trigger.segment',
  version: 1,
  category: 'trigger',
  label: 'Entered segment',
  description: 'Starts when a trait changes so that the profile matches the condition (e.g. plan becomes "pro").',
  icon: 'target',
  config: z.object({
    condition: conditionSchema.default({ match: 'all', rules: [] }),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => `When ${summarizeCondition(config.condition)}`,
  trigger: { kind: 'segment' },
  execute: () => ({ port: 'out' }),
});
