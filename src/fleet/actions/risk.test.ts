import { describe, expect, it } from 'vitest';
import { riskOf } from './risk.js';

describe('risk tiers', () => {
  it('grades restart, pause/resume and pushes by blast radius', () => {
    const r = (kind: 'config_push' | 'pause' | 'resume' | 'restart', eligible: number, fleetSize: number, ineligible = 0) => riskOf({ kind, eligible, ineligible, fleetSize }).tier;
    expect(r('restart', 1, 10)).toBe('low');
    expect(r('restart', 1, 1)).toBe('low');
    expect(r('restart', 3, 10)).toBe('medium');
    expect(r('pause', 1, 10)).toBe('medium');
    expect(r('resume', 1, 10)).toBe('medium');
    expect(r('config_push', 5, 10)).toBe('medium');
    expect(r('config_push', 10, 10)).toBe('high');
    // A selector covering the whole fleet is fleet-wide even when some agents are ineligible.
    expect(r('config_push', 8, 10, 2)).toBe('high');
    expect(r('restart', 50, 5000)).toBe('high');
    expect(riskOf({ kind: 'config_push', eligible: 3, ineligible: 0, fleetSize: 3 }).why).toBe('fleet-wide: the target matches every known agent (3)');
  });
});
