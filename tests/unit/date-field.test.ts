// Dates are typed as the chosen language writes them, whatever the browser's own language.
import { describe, expect, it } from 'vitest';
import { combineDateTime, localIso, parseDate } from '../../client/ui/date-field';

describe('date fields', () => {
  it('reads dd.mm.yyyy in German and yyyy-mm-dd in English, and refuses days the calendar lacks', () => {
    expect(parseDate('24.12.2026', 'de')).toBe('2026-12-24');
    expect(parseDate('1.3.2026', 'de')).toBe('2026-03-01');
    expect(parseDate('29.02.2028', 'de')).toBe('2028-02-29');
    expect(parseDate('29.02.2026', 'de')).toBeNull();
    expect(parseDate('2026-12-24', 'de')).toBeNull();
    expect(parseDate('2026-2-3', 'en')).toBe('2026-02-03');
    expect(parseDate('24.12.2026', 'en')).toBeNull();
  });
});

describe('date-time fields', () => {
  it("stores the moment typed in this browser's timezone with its offset, and refuses times the clock lacks", () => {
    const iso = combineDateTime('2026-12-24', '09:30');
    expect(iso).toMatch(/^2026-12-24T09:30:00[+-]\d\d:\d\d$/);
    expect(new Date(iso!).getTime()).toBe(new Date(2026, 11, 24, 9, 30).getTime());
    expect(combineDateTime('2026-12-24', '24:00')).toBeNull();
    expect(combineDateTime('2026-12-24', '9.30')).toBeNull();
    expect(localIso(new Date(2026, 5, 1, 7, 5))).toMatch(/^2026-06-01T07:05:00[+-]\d\d:\d\d$/);
  });
});
