import { describe, expect, it } from 'vitest';
import { ApiRateLimiter } from './rate-limit.js';

describe('ApiRateLimiter', () => {
  it('allows a burst, then the sustained rate, per token', () => {
    let now = 0;
    const l = new ApiRateLimiter({ ratePerSecond: 2, burst: 3, now: () => now });
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0]);
    expect(l.take('a')).toBe(1); // empty: one request per 0.5 s, rounded up to whole seconds
    expect(l.take('b')).toBe(0); // another token has its own bucket
    now += 500;
    expect(l.take('a')).toBe(0);
    expect(l.take('a')).toBeGreaterThan(0);
    now += 10_000;
    expect([l.take('a'), l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0, 1]); // refilled to the burst, no more
  });

  it('reports the wait for slow rates', () => {
    const l = new ApiRateLimiter({ ratePerSecond: 0.1 as number, burst: 1, now: () => 0 });
    expect(l.take('a')).toBe(0);
    expect(l.take('a')).toBe(10);
  });
});
