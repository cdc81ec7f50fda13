import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../server/ingest/rate-limiter';

describe('rate limiter', () => {
  it('keeps at most its bound of keys however many it is asked about, dropping the least recently used', () => {
    const limiter = new RateLimiter(1, 2, 100);
    const start = 1_000_000;
    for (let i = 0; i < 10_000; i++) limiter.take(`address-${i}`, start);
    expect(limiter.size).toBe(100);
    // A key in use stays limited while others come and go.
    expect(limiter.take('busy', start)).toBe(0);
    expect(limiter.take('busy', start)).toBe(0);
    for (let i = 0; i < 50; i++) limiter.take(`other-${i}`, start);
    expect(limiter.take('busy', start)).toBeGreaterThan(0);
  });
});
