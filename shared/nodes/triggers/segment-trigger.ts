// Trigger: the profile enters a segment (its traits now match a condition).
import { z } from 'zod';
import { conditionSchema, summarizeCondition } from '../../conditions';
import { defineNodeType } from '../../node-type';

export const segmentTrigger = defineNodeType({
  type: 'trigger.segment',
  version: 1,
  category: 'trigger',
  label: 'Entered segment',
  description:
    'Starts when a trait changes so that the profile matches the condition (e.g. plan becomes "pro").',
  icon: 'target',
  config: z.object({
    condition: conditionSchema.default({ match: 'all', rules: [] }).meta({
      title: 'Segment',
      description: 'Customers enter when their traits come to match these rules.',
      widget: 'condition',
    }),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => `When ${summarizeCondition(config.condition)}`,
  trigger: { kind: 'segment' },
  translations: {
    de: {
      label: 'Segment betreten',
      description:
        'Startet, wenn sich ein Merkmal so ändert, dass das Profil die Bedingung erfüllt (z. B. plan wird „pro“).',
      ports: { out: 'weiter' },
      fields: {
        condition: {
          title: 'Segment',
          description: 'Kunden treten ein, sobald ihre Merkmale diese Regeln erfüllen.',
        },
      },
      summary: (config) => `Wenn ${summarizeCondition(config.condition, 'de')}`,
    },
  },
  execute: () => ({ port: 'out' }),
});
