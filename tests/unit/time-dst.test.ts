// Daylight-saving edges: one rule in every zone (a skipped time moves forward past the gap, a
// doubled time is its first occurrence), checked against Temporal's "compatible" reading over
// many zones and years, right at their transitions.
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { inQuietHours, nextTimeOfDay, zonedTime } from '../../shared/time';

const zones = Intl.supportedValuesOf('timeZone');

/** Reference: the local time read as Temporal reads it with disambiguation "compatible". */
function reference(local: Temporal.PlainDateTime, zone: string): number {
  return local.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/** The first transition of `zone` in `year` (or null when it has none then). */
function transitionIn(zone: string, year: number, skip: number): Temporal.ZonedDateTime | null {
  let at: Temporal.ZonedDateTime | null = Temporal.PlainDate.from({ year, month: 1, day: 1 }).toZonedDateTime(
    zone,
  );
  for (let i = 0; i <= skip && at; i++) at = at.getTimeZoneTransition('next');
  return at && at.year === year ? at : null;
}

describe('daylight-saving edges', () => {
  it('a skipped local time moves forward past the gap, in Berlin and New York alike', () => {
    // Berlin jumps 02:00 → 03:00 on 29 March 2026; New York on 8 March 2026.
    expect(zonedTime(2026, 3, 29, 2, 30, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(zonedTime(2026, 3, 8, 2, 30, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
  });

  it('a doubled local time is its first occurrence, in Berlin and New York alike', () => {
    // Berlin goes back 03:00 → 02:00 on 25 October 2026; New York 02:00 → 01:00 on 1 November 2026.
    expect(zonedTime(2026, 10, 25, 2, 30, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    expect(zonedTime(2026, 11, 1, 1, 30, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
  });

  it('quiet hours 22:00–02:30 in New York on the spring-forward night end at 03:30, not an hour early and a day late', () => {
    const duringQuiet = new Date('2026-03-08T04:00:00Z'); // 23:00 EST on 7 March
    const quiet = { start: '22:00', end: '02:30' };
    expect(inQuietHours(duringQuiet, 'America/New_York', quiet)).toBe(true);
    const end = nextTimeOfDay(duringQuiet, quiet.end, 'America/New_York');
    expect(end.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(inQuietHours(end, 'America/New_York', quiet)).toBe(false);
  });

  it('zonedTime agrees with Temporal around every kind of transition, in many zones and years', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 1975, max: 2045 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: -120, max: 120 }),
        (zone, year, skip, minutes) => {
          const transition = transitionIn(zone, year, skip);
          if (!transition) return;
          // Wall-clock times from two hours before to two hours after the change, read with the offset before it.
          const before = transition.subtract({ nanoseconds: 1 });
          const local = before
            .toPlainDateTime()
            .round({ smallestUnit: 'minute', roundingMode: 'floor' })
            .add({ minutes });
          const expected = reference(local, zone);
          expect({
            zone,
            local: local.toString(),
            at: zonedTime(local.year, local.month, local.day, local.hour, local.minute, zone).getTime(),
          }).toEqual({ zone, local: local.toString(), at: expected });
        },
      ),
      { numRuns: 2000 },
    );
  }, 60_000);

  it('nextTimeOfDay is the first instant after "from" that the chosen time of day names, read by the same rule', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 1990, max: 2040 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: -1800, max: 1800 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        (zone, year, skip, minutes, hour, minute) => {
          const transition = transitionIn(zone, year, skip);
          if (!transition) return;
          const from = new Date(transition.epochMilliseconds + minutes * 60_000);
          const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          let day = Temporal.Instant.fromEpochMilliseconds(from.getTime())
            .toZonedDateTimeISO(zone)
            .toPlainDate();
          let expected = Number.NaN;
          for (let i = 0; i < 9; i++, day = day.add({ days: 1 })) {
            const candidate = reference(day.toPlainDateTime({ hour, minute }), zone);
            if (candidate > from.getTime()) {
              expected = candidate;
              break;
            }
          }
          expect({
            zone,
            from: from.toISOString(),
            time,
            at: nextTimeOfDay(from, time, zone).getTime(),
          }).toEqual({ zone, from: from.toISOString(), time, at: expected });
        },
      ),
      { numRuns: 2000 },
    );
  }, 60_000);
});
