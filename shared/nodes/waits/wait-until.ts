// Wait: until a date, or the next allowed weekday and time of day in the customer's timezone.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';
import { isValidTimeZone, nextTimeOfDay, profileTimeZone, timeOfDaySchema } from '../../time';

const dayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const germanDayNames = ['So', 'Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa'];

export const waitUntil = defineNodeType({
  type: 'wait.until',
  version: 1,
  category: 'wait',
  label: 'Wait until',
  description: "Waits until a date, or until a time of day (on chosen weekdays) in the customer's timezone.",
  icon: 'clock',
  config: z
    .object({
      mode: z
        .enum(['timeOfDay', 'date'])
        .default('timeOfDay')
        .meta({ title: 'Wait until', options: { timeOfDay: 'a time of day', date: 'a date' } }),
      time: timeOfDaySchema.default('09:00').meta({ title: 'Time of day', description: 'HH:MM, 24 hours.' }),
      weekdays: z
        .array(z.number().int().min(0).max(6))
        .max(7)
        .default([])
        .meta({
          title: 'On weekdays',
          description: 'None chosen: any day.',
          widget: 'weekdays',
          options: Object.fromEntries(dayNames.map((day, index) => [String(index), day])),
        }),
      date: z.iso
        .datetime({ offset: true, message: 'a date is an ISO date-time, e.g. 2026-12-24T09:00:00Z' })
        .optional()
        .meta({ title: 'Date', widget: 'datetime' }),
      timezone: z
        .string()
        .default('profile')
        .refine(
          (zone) => zone === 'profile' || isValidTimeZone(zone),
          'an IANA timezone such as Europe/Zurich, or "profile"',
        )
        .meta({
          title: 'Timezone',
          description: '"profile" uses each customer\'s own timezone; else e.g. Europe/Berlin.',
        }),
    })
    .refine((config) => config.mode !== 'date' || Boolean(config.date), {
      message: 'choose the date to wait for',
      path: ['date'],
    }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => {
    if (config.mode === 'date')
      return `Wait until ${config.date ? new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(config.date)) + ' UTC' : ''}`;
    const days = config.weekdays.length ? ` on ${config.weekdays.map((d) => dayNames[d]).join(', ')}` : '';
    return `Wait until ${config.time}${days}${config.timezone === 'profile' ? ' (customer time)' : ` ${config.timezone}`}`;
  },
  waits: true,
  translations: {
    de: {
      label: 'Warten bis',
      description:
        'Wartet bis zu einem Datum oder einer Uhrzeit (an gewählten Wochentagen) in der Zeitzone des Kunden.',
      ports: { out: 'weiter' },
      fields: {
        mode: { title: 'Warten bis', options: { timeOfDay: 'zu einer Uhrzeit', date: 'zu einem Datum' } },
        time: { title: 'Uhrzeit', description: 'HH:MM, 24 Stunden.' },
        weekdays: {
          title: 'An Wochentagen',
          description: 'Keiner gewählt: jeder Tag.',
          options: Object.fromEntries(germanDayNames.map((day, index) => [String(index), day])),
        },
        date: { title: 'Datum' },
        timezone: {
          title: 'Zeitzone',
          description: '„profile“ nimmt die Zeitzone jedes Kunden; sonst z. B. Europe/Berlin.',
        },
      },
      summary: (config) => {
        if (config.mode === 'date')
          return `Warten bis ${config.date ? new Intl.DateTimeFormat('de', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(config.date)) + ' UTC' : ''}`;
        const days = config.weekdays.length
          ? ` am ${config.weekdays.map((d) => germanDayNames[d]).join(', ')}`
          : '';
        return `Warten bis ${config.time} Uhr${days}${config.timezone === 'profile' ? ' (Zeit des Kunden)' : ` ${config.timezone}`}`;
      },
      messages: {
        'a date is an ISO date-time, e.g. 2026-12-24T09:00:00Z':
          'Ein Datum mit Uhrzeit im ISO-Format, z. B. 2026-12-24T09:00:00Z',
        'an IANA timezone such as Europe/Zurich, or "profile"':
          'Eine IANA-Zeitzone wie Europe/Zurich oder „profile“',
        'choose the date to wait for': 'Wählen Sie das Datum, bis zu dem gewartet wird',
        'a time of day is written HH:MM (24 h)': 'Eine Uhrzeit wird HH:MM geschrieben (24 h)',
      },
    },
  },
  execute: (ctx, config) => {
    if (ctx.resume) return { port: 'out' };
    if (config.mode === 'date') {
      const until = new Date(config.date!);
      return until.getTime() <= ctx.now.getTime() ? { port: 'out' } : { waitUntil: until };
    }
    const zone = config.timezone === 'profile' ? profileTimeZone(ctx.profile.traits) : config.timezone;
    return { waitUntil: nextTimeOfDay(ctx.now, config.time, zone, config.weekdays) };
  },
});
