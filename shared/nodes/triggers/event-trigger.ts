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
    event: z
      .string()
      .min(1, 'name the event that starts the journey')
      .max(200)
      .default('Cart Abandoned')
      .meta({
        title: 'Event',
        description: 'The event name as your shop or app sends it, e.g. Cart Abandoned.',
        widget: 'event',
      }),
    where: conditionSchema.optional().meta({
      title: 'Only when',
      description: "Starts only for events whose properties (or the customer's traits) match these rules.",
      widget: 'condition',
    }),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) =>
    `When ${config.event}${config.where?.rules.length ? ` where ${summarizeCondition(config.where)}` : ''}`,
  trigger: { kind: 'event', eventName: (config) => config.event },
  translations: {
    de: {
      label: 'Event',
      description: 'Startet, wenn der Kunde etwas tut: Cart Abandoned, Order Completed, Account Created …',
      ports: { out: 'weiter' },
      fields: {
        event: {
          title: 'Event',
          description: 'Der Name des Events, wie Ihr Shop oder Ihre App ihn sendet, z. B. Cart Abandoned.',
        },
        where: {
          title: 'Nur wenn',
          description:
            'Startet nur bei Events, deren Eigenschaften (oder die Merkmale des Kunden) diese Regeln erfüllen.',
        },
      },
      summary: (config) =>
        `Bei ${config.event}${config.where?.rules.length ? `, wenn ${summarizeCondition(config.where, 'de')}` : ''}`,
      messages: { 'name the event that starts the journey': 'Nennen Sie das Event, das die Journey startet' },
    },
  },
  execute: () => ({ port: 'out' }),
});
