import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../server/db/time-ordered-id';

describe('time-ordered ids (UUIDv7)', () => {
  it('are valid version 7 UUIDs that PostgreSQL accepts', () => {
    for (let i = 0; i < 1000; i++) {
      expect(timeOrderedId()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('sort by the time they were made, and never repeat', () => {
    const at = Date.UTC(2030, 0, 1);
    const earlier = timeOrderedId(at);
    const later = timeOrderedId(at + 1);
    expect(earlier < later).toBe(true);
    expect(earlier.slice(0, 13)).toBe(
      `${at.toString(16).padStart(12, '0').slice(0, 8)}-${at.toString(16).padStart(12, '0').slice(8)}`,
    );
    const many = new Set(Array.from({ length: 20_000 }, () => timeOrderedId()));
    expect(many.size).toBe(20_000);
  });

  it('made in the same millisecond, keep the order they were made in (batch order of events)', () => {
    const at = Date.UTC(2031, 0, 1);
    const made = Array.from({ length: 10_000 }, () => timeOrderedId(at));
    expect([...made].sort()).toEqual(made);
    // An earlier clock reading (the clock stepped back) still gives a later id.
    expect(timeOrderedId(at - 5000) > made.at(-1)!).toBe(true);
  });
});
