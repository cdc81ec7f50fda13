import { describe, expect, it } from 'vitest';
import { stableBucket } from '../../shared/bucket';
import { nextTimeOfDay, zonedTime } from '../../shared/time';

describe("time in the customer's timezone", () => {
  it('09:00 in Zurich in winter is 08:00 UTC, in summer 07:00 UTC', () => {
    expect(zonedTime(2026, 1, 15, 9, 0, 'Europe/Zurich').toISOString()).toBe('2026-01-15T08:00:00.000Z');
    expect(zonedTime(2026, 7, 15, 9, 0, 'Europe/Zurich').toISOString()).toBe('2026-07-15T07:00:00.000Z');
  });

  it('the next 08:00 after 23:00 is the next morning', () => {
    const from = new Date('2026-03-10T22:00:00Z'); // 23:00 in Zurich
    expect(nextTimeOfDay(from, '08:00', 'Europe/Zurich').toISOString()).toBe('2026-03-11T07:00:00.000Z');
  });

  it('only allowed weekdays are chosen (Monday)', () => {
    const friday = new Date('2026-11-27T12:00:00Z');
    expect(nextTimeOfDay(friday, '09:00', 'UTC', [1]).toISOString()).toBe('2026-11-30T09:00:00.000Z');
  });

  it('buckets are sticky and spread evenly', () => {
    expect(stableBucket('p1', 'n1')).toBe(stableBucket('p1', 'n1'));
    let low = 0;
    for (let i = 0; i < 10_000; i++) if (stableBucket(`profile-${i}`, 'split') < 0.5) low++;
    expect(low).toBeGreaterThan(4700);
    expect(low).toBeLessThan(5300);
  });
});
