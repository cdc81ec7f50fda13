// Trigger: a date in the profile comes round each year (birthday, signup anniversary).
import { z } from 'zod';
import { defineNodeType } from '../../node-type';
import { timeOfDaySchema } from '../../time';

export const recurringTrigger = defineNodeType({
  type: 'trigger.recurring',
  version: 1,
  category: 'trigger',
  label: 'Recurring date',
  description:
    "Starts every year on a date trait (birthday, signed-up date), at a local time in the customer's timezone.",
  icon: 'calendar-clock',
  config: z.object({
    trait: z.string().min(1, 'name the date trait').max(200).default('birthday').meta({
      title: 'Date trait',
      description: 'A trait holding a date, e.g. birthday (1990-05-17).',
      widget: 'trait',
    }),
    offsetDays: z.number().int().min(-365).max(365).default(0).meta({
      title: 'Days before (−) or after (+)',
      description: '0 starts on the day itself; −3 three days before.',
    }),
    sendTime: timeOfDaySchema
      .default('09:00')
      .meta({ title: "At (customer's time)", description: "HH:MM, 24 hours, in the customer's timezone." }),
  }),
  ports: () => [{ id: 'out', label: 'next', required: true }],
  summary: (config) => {
    const offset =
      config.offsetDays === 0
        ? 'On'
        : `${Math.abs(config.offsetDays)} days ${config.offsetDays < 0 ? 'before' : 'after'}`;
    return `${offset} ${config.trait} at ${config.sendTime}`;
  },
  trigger: { kind: 'recurring' },
  translations: {
    de: {
      label: 'Jährliches Datum',
      description:
        'Startet jedes Jahr an einem Datumsmerkmal (Geburtstag, Anmeldedatum), zu einer Uhrzeit in der Zeitzone des Kunden.',
      ports: { out: 'weiter' },
      fields: {
        trait: {
          title: 'Datumsmerkmal',
          description: 'Ein Merkmal mit einem Datum, z. B. birthday (1990-05-17).',
        },
        offsetDays: {
          title: 'Tage vorher (−) oder nachher (+)',
          description: '0 startet am Tag selbst, −3 drei Tage vorher.',
        },
        sendTime: {
          title: 'Um (Zeit des Kunden)',
          description: 'HH:MM, 24 Stunden, in der Zeitzone des Kunden.',
        },
      },
      summary: (config) => {
        const days = Math.abs(config.offsetDays);
        const offset =
          config.offsetDays === 0
            ? 'Am'
            : `${days} ${days === 1 ? 'Tag' : 'Tage'} ${config.offsetDays < 0 ? 'vor' : 'nach'}`;
        return `${offset} ${config.trait} um ${config.sendTime} Uhr`;
      },
      messages: {
        'name the date trait': 'Nennen Sie das Datumsmerkmal',
        'a time of day is written HH:MM (24 h)': 'Eine Uhrzeit wird HH:MM geschrieben (24 h)',
      },
    },
  },
  execute: () => ({ port: 'out' }),
});
