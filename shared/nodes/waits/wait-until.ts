// Wait: until a date, or the next allowed weekday and time of day in the customer's timezone.
import { z } from 'zod';
import { defineNodeType } from '../../node-type';
import { isValidTimeZone, nextTimeOfDay, profileTimeZone, timeOfDaySchema } from '../../time';

const dayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export const waitUntil = defineNodeType({
  type: 'wait.until',
  version: 1,
  category: 'wait',
  label: 'Wait until',
  description: 'Waits until a date, or until a time of day (on chosen weekdays) in the customer\'s timezone.',
  icon: 'clock',
  config: z.object({
    mode: z.enum(['timeOfDay', 'date']).default('timeOfDay'),
    time: timeOfDaySchema.default('09:00'),
    weekdays: z.array(z.number().int().min(0).max(6)).max(7).default([]),
    date: z.iso.datetime({ offset: true, message: 'a date is an ISO date-time, e.g. 2026-12-24T09:00:00Z' }).optional(),
    timezone: z.string().default('profile').refine((zone) => zone === 'profile' || isValidTimeZone(zone), 'an IANA timezone such as Europe/Zurich, or "profile"'),
  }).refine((config) => config.mode !== 'date' || Boolean(config.date), { message: 'choose the date to wait for', path: ['date'] }),
  ports: () => [{ id: 'out', label: 'next' }],
  summary: (config) => {
    if (config.mode === 'date') return `Wait until ${config.date}`;
    const days = config.weekdays.length ? ` on ${config.weekdays.map((d) => dayNames[d]).join(', ')}` : '';
    return `Wait until ${config.time}${days}${config.timezone === 'profile' ? ' (customer time)' : ` ${config.timezone}`}`;
  },
  waits: true,
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
