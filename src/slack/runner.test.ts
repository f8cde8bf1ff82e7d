import { describe, expect, it } from 'vitest';
import { periodWindow } from './runner.js';

describe('time words in reads', () => {
  const now = Date.parse('2025-03-13T15:42:10Z'); // a Thursday

  it.each([
    ['today', '2025-03-13T00:00:00.000Z', undefined, 'since 2025-03-13 00:00 UTC'],
    ['yesterday', '2025-03-12T00:00:00.000Z', '2025-03-13T00:00:00.000Z', 'from 2025-03-12 00:00 UTC to 2025-03-13 00:00 UTC'],
    ['since_yesterday', '2025-03-12T00:00:00.000Z', undefined, 'since 2025-03-12 00:00 UTC'],
    ['last_hour', '2025-03-13T14:42:10.000Z', undefined, 'since 2025-03-13 14:42 UTC'],
    ['this_week', '2025-03-10T00:00:00.000Z', undefined, 'since 2025-03-10 00:00 UTC (Monday)'],
  ] as const)('%s', (period, from, to, label) => {
    const w = periodWindow(period, now);
    expect(new Date(w.from).toISOString()).toBe(from);
    expect(w.to === undefined ? undefined : new Date(w.to).toISOString()).toBe(to);
    expect(w.label).toBe(label);
  });
});
