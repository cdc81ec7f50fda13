// Durations and wall-clock times in a customer's timezone, computed with Intl only (no IO).
import { z } from 'zod';

export const durationUnits = ['seconds', 'minutes', 'hours', 'days', 'weeks'] as const;
const unitMilliseconds: Record<(typeof durationUnits)[number], number> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

export const durationSchema = z.object({
  amount: z.number().min(0, 'a duration cannot be negative').max(100_000).meta({ title: 'Amount' }),
  unit: z.enum(durationUnits).meta({ title: 'Unit' }),
});
export type Duration = z.infer<typeof durationSchema>;

export function durationToMilliseconds(duration: Duration): number {
  return duration.amount * unitMilliseconds[duration.unit];
}

const germanUnits: Record<Duration['unit'], [string, string]> = {
  seconds: ['Sekunde', 'Sekunden'],
  minutes: ['Minute', 'Minuten'],
  hours: ['Stunde', 'Stunden'],
  days: ['Tag', 'Tage'],
  weeks: ['Woche', 'Wochen'],
};

/** "1 day", "3 hours"; in German "1 Tag", "3 Stunden" (amounts with a decimal comma). */
export function describeDuration(duration: Duration, locale: 'en' | 'de' = 'en'): string {
  if (locale === 'de')
    return `${String(duration.amount).replace('.', ',')} ${germanUnits[duration.unit][duration.amount === 1 ? 0 : 1]}`;
  const unit = duration.amount === 1 ? duration.unit.replace(/s$/, '') : duration.unit;
  return `${duration.amount} ${unit}`;
}

export const timeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is written HH:MM (24 h)');

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The wall clock in `timeZone` at `instant`. Weekday 0 is Sunday. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: weekdays.indexOf(parts.weekday),
  };
}

function offsetAt(instant: number, timeZone: string): number {
  const clock = wallClock(new Date(instant), timeZone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant when the wall clock in `timeZone` shows the given local date and time. Around a
 * daylight-saving change, one rule everywhere (Temporal's "compatible", and what PostgreSQL does):
 * a time the clock skipped (02:30 on the night it jumps from 02:00 to 03:00) moves forward past
 * the gap by as much as it was into it (03:30); a time the clock shows twice (01:30 on the night
 * it goes back) is its first occurrence.
 */
export function zonedTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets in force a day before and a day after: around a change they differ.
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  let first: number | null = null;
  for (const offset of [before, after, offsetAt(wall, timeZone)]) {
    const instant = wall - offset;
    if (offsetAt(instant, timeZone) === offset && (first === null || instant < first)) first = instant;
  }
  // No instant shows this time: it fell into a gap. Read with the offset from before the gap.
  return new Date(first ?? wall - before);
}

/**
 * The first instant after `from` at `time` (HH:MM) in `timeZone`, on one of `allowedWeekdays`
 * (0 = Sunday; all days when empty).
 */
export function nextTimeOfDay(
  from: Date,
  time: string,
  timeZone: string,
  allowedWeekdays: readonly number[] = [],
): Date {
  const [hour, minute] = time.split(':').map(Number);
  const today = wallClock(from, timeZone);
  for (let offset = 0; offset < 9; offset++) {
    const dayStart = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const candidate = zonedTime(
      dayStart.getUTCFullYear(),
      dayStart.getUTCMonth() + 1,
      dayStart.getUTCDate(),
      hour,
      minute,
      timeZone,
    );
    const weekday = dayStart.getUTCDay();
    if (
      candidate.getTime() > from.getTime() &&
      (allowedWeekdays.length === 0 || allowedWeekdays.includes(weekday))
    )
      return candidate;
  }
  throw new Error('no allowed weekday configured');
}

/** The profile's timezone when it is a valid IANA name, else the fallback. */
export function profileTimeZone(traits: Readonly<Record<string, unknown>>, fallback = 'UTC'): string {
  const zone = traits.timezone;
  return typeof zone === 'string' && isValidTimeZone(zone) ? zone : fallback;
}

/** Whether `now` falls inside the quiet hours (start–end, wrapping midnight) in `timeZone`. */
export function inQuietHours(now: Date, timeZone: string, quiet: { start: string; end: string }): boolean {
  const clock = wallClock(now, timeZone);
  const minutes = clock.hour * 60 + clock.minute;
  const [sh, sm] = quiet.start.split(':').map(Number);
  const [eh, em] = quiet.end.split(':').map(Number);
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  return start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}
