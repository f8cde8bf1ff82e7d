import { describe, expect, it } from 'vitest';
import { Admission } from './admission.js';

describe('admission control', () => {
  it('refuses beyond the burst with 429 and a jittered Retry-After, and refills over time', () => {
    let t = 0;
    const a = new Admission({
      maxConnections: 100,
      connectRatePerSecond: 2,
      connectBurst: 2,
      pollRatePerSecond: 1,
      pollBurst: 1,
      retryAfterSeconds: 10,
      now: () => t,
      random: () => 0.5,
    });
    expect(a.admitWebSocket(0).ok).toBe(true);
    expect(a.admitWebSocket(1).ok).toBe(true);
    const refused = a.admitWebSocket(2);
    expect(refused).toEqual({ ok: false, status: 429, retryAfterSeconds: 15, reason: 'too many connection attempts' });
    t += 500; // one token back at 2/s
    expect(a.admitWebSocket(2).ok).toBe(true);
    expect(a.admitPoll().ok).toBe(true);
    expect(a.admitPoll().ok).toBe(false);
  });

  it('answers 503 when the connection limit is reached', () => {
    const a = new Admission({ maxConnections: 1, connectRatePerSecond: 10, connectBurst: 10, pollRatePerSecond: 1, pollBurst: 1, retryAfterSeconds: 5 });
    expect(a.admitWebSocket(1)).toMatchObject({ ok: false, status: 503 });
  });
});
