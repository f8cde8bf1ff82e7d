import { describe, expect, it } from 'vitest';
import { demoProfile } from './fleet.js';

describe('the demo fleet', () => {
  it('of 12 agents is the mix the README describes', () => {
    const fleet = Array.from({ length: 12 }, (_, i) => demoProfile(i));
    const count = (f: (p: (typeof fleet)[number]) => boolean) => fleet.filter(f).length;
    expect(new Set(fleet.map((p) => p.identifying['service.name']))).toEqual(new Set(['checkout', 'payments', 'inventory', 'frontend']));
    expect(new Set(fleet.map((p) => p.nonIdentifying['deployment.environment']))).toEqual(new Set(['prod', 'staging']));
    expect(new Set(fleet.map((p) => p.nonIdentifying['host.name'])).size).toBe(6);
    expect(count((p) => !p.healthy)).toBe(2);
    expect(count((p) => p.restarts)).toBe(6);
    expect(count((p) => p.customPause)).toBe(4);
    expect(count((p) => !p.appliesConfigs)).toBe(2);
    // The walk-through's target: the checkout agents in prod, both of which apply configs.
    const target = fleet.filter((p) => p.identifying['service.name'] === 'checkout' && p.nonIdentifying['deployment.environment'] === 'prod');
    expect(target.map((p) => p.appliesConfigs)).toEqual([true, true]);
    // Instance ids are unique, so every agent is told apart in the demo's narration.
    expect(new Set(fleet.map((p) => p.identifying['service.instance.id'])).size).toBe(12);
  });
});
