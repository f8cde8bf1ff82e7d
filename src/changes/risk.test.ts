import { describe, expect, it } from 'vitest';
import { isFleetWide, riskFor } from './risk.js';

describe('risk tiers', () => {
  it('one agent is low, a config push medium, fleet-wide or credential rotation high', () => {
    expect(riskFor('restart', { matched: 1, known: 10 })).toBe('low');
    expect(riskFor('pause', { matched: 3, known: 10 })).toBe('medium');
    expect(riskFor('config_push', { matched: 1, known: 10 })).toBe('medium');
    expect(riskFor('config_push', { matched: 10, known: 10 })).toBe('high');
    expect(riskFor('rotate_credentials', { matched: 1, known: 10 })).toBe('high');
  });

  it('fleet-wide: every known agent (fleets of 2+), or at least the threshold', () => {
    expect(isFleetWide({ matched: 1, known: 1 })).toBe(false);
    expect(isFleetWide({ matched: 2, known: 2 })).toBe(true);
    expect(isFleetWide({ matched: 49, known: 1000 })).toBe(false);
    expect(isFleetWide({ matched: 50, known: 1000 })).toBe(true);
    expect(isFleetWide({ matched: 5, known: 1000 }, 5)).toBe(true);
  });
});
