// Trigger: a measure crosses a line (spend over 5,000, 10th purchase, inactive for 60 days).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';

export const thresholdTrigger = defineNodeType({
  type: 'trigger.threshold',
  version: 1,
  category: 'trigger',
  label: 'Threshold',
  description:
    'Starts when a count or sum of an event crosses a value, or when a customer has been inactive for N days.',
  icon: 'trending-up',
  config: z
    .object({
      measure: z
        .enum(['count', 'sum', 'inactivity'])
        .default('sum')
        .meta({
          title: 'Measure',
          options: {
            count: 'How often the event happened',
            sum: 'Sum of an event property',
            inactivity: 'Days without the event',
          },
        }),
      event: z
        .string()
        .min(1, 'name the event to measure')
        .max(200)
        .default('Order Completed')
        .meta({ title: 'Event', widget: 'event' }),
      property: z.string().max(200).optional().meta({
        title: 'Property to add up',
        description: 'For a sum: the event property holding the amount, e.g. total.',
      }),
      op: z
        .enum(['gte', 'gt'])
        .default('gte')
        .meta({ title: 'Crosses when', options: { gte: 'at least (≥)', gt: 'more than (>)' } }),
      value: z
        .number()
        .min(0)
        .default(5000)
        .meta({ title: 'Value', description: 'For inactivity: the number of days.' }),
      windowDays: z
        .number()
        .int()
        .positive()
        .max(3650)
        .optional()
        .meta({ title: 'Within the last days', description: "Empty counts the customer's whole history." }),
    })
    .refine((config) => config.measure !== 'sum' || Boolean(config.property), {
      message: 'a sum needs the event property to add up',
      path: ['property'],
    }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => {
    if (config.measure === 'inactivity') return `No ${config.event} for ${config.value} days`;
    const window = config.windowDays ? ` in ${config.windowDays} days` : '';
    const what =
      config.measure === 'count' ? `${config.event} count` : `${config.event} ${config.property} sum`;
    return `${what} ${config.op === 'gte' ? '≥' : '>'} ${config.value}${window}`;
  },
  trigger: { kind: 'threshold', eventName: (config) => config.event },
  translations: {
    de: {
      label: 'Schwellenwert',
      description:
        'Startet, wenn Anzahl oder Summe eines Events einen Wert überschreitet oder ein Kunde N Tage inaktiv war.',
      ports: { out: 'weiter' },
      fields: {
        measure: {
          title: 'Messgröße',
          options: {
            count: 'Wie oft das Event vorkam',
            sum: 'Summe einer Event-Eigenschaft',
            inactivity: 'Tage ohne das Event',
          },
        },
        event: { title: 'Event' },
        property: {
          title: 'Zu summierende Eigenschaft',
          description: 'Für eine Summe: die Event-Eigenschaft mit dem Betrag, z. B. total.',
        },
        op: { title: 'Überschritten bei', options: { gte: 'mindestens (≥)', gt: 'mehr als (>)' } },
        value: { title: 'Wert', description: 'Bei Inaktivität: die Zahl der Tage.' },
        windowDays: {
          title: 'In den letzten Tagen',
          description: 'Leer zählt die ganze Geschichte des Kunden.',
        },
      },
      summary: (config) => {
        if (config.measure === 'inactivity') return `Kein ${config.event} seit ${config.value} Tagen`;
        const window = config.windowDays ? ` in ${config.windowDays} Tagen` : '';
        const what =
          config.measure === 'count' ? `Anzahl ${config.event}` : `Summe ${config.event} ${config.property}`;
        return `${what} ${config.op === 'gte' ? '≥' : '>'} ${config.value}${window}`;
      },
      messages: {
        'name the event to measure': 'Nennen Sie das Event, das gemessen wird',
        'a sum needs the event property to add up':
          'Eine Summe braucht die Event-Eigenschaft, die addiert wird',
      },
    },
  },
  execute: () => ({ port: 'out' }),
});
