import { describe, expect, it } from 'vitest';
import { riskOf } from './risk.js';

describe('risk tiers', () => {
  it('grades restart, pause/resume and pushes by blast radius', () => {
    expect(riskOf({ kind: 'restart', targets: 1, fleetSize: 10 }).tier).toBe('low');
    expect(riskOf({ kind: 'restart', targets: 1, fleetSize: 1 }).tier).toBe('low');
    expect(riskOf({ kind: 'restart', targets: 3, fleetSize: 10 }).tier).toBe('medium');
    expect(riskOf({ kind: 'pause', targets: 1, fleetSize: 10 }).tier).toBe('medium');
    expect(riskOf({ kind: 'config_push', targets: 5, fleetSize: 10 }).tier).toBe('medium');
    expect(riskOf({ kind: 'config_push', targets: 10, fleetSize: 10 })).toEqual({ tier: 'high', why: 'every known agent (10)' });
    expect(riskOf({ kind: 'config_push', targets: 100, fleetSize: 5000 }).tier).toBe('high');
    expect(riskOf({ kind: 'config_push', targets: 5, fleetSize: 50, manyAgents: 5 }).tier).toBe('high');
  });
});
