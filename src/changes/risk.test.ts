import { describe, expect, it } from 'vitest';
import { isFleetWide, riskOf } from './risk.js';
import type { ChangeKind } from './types.js';

const tier = (kind: ChangeKind, eligible: number, fleetSize: number, ineligible = 0) => riskOf({ kind, eligible, ineligible, fleetSize }).tier;

describe('risk tiers (the one risk model)', () => {
  it('one agent is low, a config push medium, fleet-wide or credential rotation high', () => {
    expect(tier('restart', 1, 10)).toBe('low');
    expect(tier('pause', 3, 10)).toBe('medium');
    expect(tier('config_push', 1, 10)).toBe('medium');
    expect(tier('config_push', 10, 10)).toBe('high');
    expect(tier('rotate_credentials', 1, 10)).toBe('high');
  });

  it('grades restart, pause/resume and pushes by blast radius', () => {
    expect(tier('restart', 1, 10)).toBe('low');
    expect(tier('restart', 1, 1)).toBe('low');
    expect(tier('restart', 3, 10)).toBe('medium');
    expect(tier('pause', 1, 10)).toBe('medium');
    expect(tier('resume', 1, 10)).toBe('medium');
    expect(tier('config_push', 5, 10)).toBe('medium');
    expect(tier('config_push', 10, 10)).toBe('high');
    // A selector covering the whole fleet is fleet-wide even when some agents are ineligible.
    expect(tier('config_push', 8, 10, 2)).toBe('high');
    expect(tier('restart', 50, 5000)).toBe('high');
    expect(riskOf({ kind: 'config_push', eligible: 3, ineligible: 0, fleetSize: 3 }).why).toBe('fleet-wide: the target matches every known agent (3)');
  });

  it('pausing or resuming a single agent is medium, not low: it stops (or restarts) its telemetry', () => {
    // The two risk modules used to disagree here (low in the engine's, medium in the fleet's).
    expect(riskOf({ kind: 'pause', eligible: 1, ineligible: 0, fleetSize: 10 })).toEqual({
      tier: 'medium',
      why: 'pause of 1 agent (stops or restarts its telemetry)',
    });
    expect(tier('resume', 1, 10)).toBe('medium');
    // A restart of that one agent stays low, and a rotation of it high.
    expect(tier('restart', 1, 10)).toBe('low');
    expect(riskOf({ kind: 'rotate_credentials', eligible: 1, ineligible: 0, fleetSize: 10 })).toEqual({
      tier: 'high',
      why: 'rotate_credentials of 1 agent (credential rotation)',
    });
  });

  it('fleet-wide: every known agent (fleets of 2+), or at least the threshold', () => {
    expect(isFleetWide({ matched: 1, known: 1 })).toBe(false);
    expect(isFleetWide({ matched: 2, known: 2 })).toBe(true);
    expect(isFleetWide({ matched: 49, known: 1000 })).toBe(false);
    expect(isFleetWide({ matched: 50, known: 1000 })).toBe(true);
    expect(isFleetWide({ matched: 5, known: 1000 }, 5)).toBe(true);
  });
});
