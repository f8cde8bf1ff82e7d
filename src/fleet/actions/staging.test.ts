import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newAgentRecord } from '../agent-state.js';
import { canaryOrder, canarySize, parseCanary, stageSizes, stageSteps } from './staging.js';

describe('staging math', () => {
  it('sizes the canary from a count or a percentage, at least 1 and at most all', () => {
    expect(canarySize('10%', 10)).toBe(1);
    expect(canarySize('10%', 11)).toBe(2);
    expect(canarySize('10%', 1)).toBe(1);
    expect(canarySize('10%', 100)).toBe(10);
    expect(canarySize('33%', 3)).toBe(1);
    expect(canarySize('50%', 5)).toBe(3);
    expect(canarySize(3, 2)).toBe(2);
    expect(canarySize('100%', 7)).toBe(7);
    expect(canarySize('2', 7)).toBe(2);
    expect(stageSizes('10%', 10)).toEqual([1, 9]);
    expect(stageSizes('10%', 1)).toEqual([1]);
    expect(stageSizes(5, 5)).toEqual([5]);
  });

  it('always covers every agent exactly once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.oneof(
          fc.integer({ min: 1, max: 6000 }),
          fc.integer({ min: 1, max: 100 }).map((p) => `${p}%`),
        ),
        (n, spec) => {
          const s = stageSizes(spec, n);
          return s.reduce((a, b) => a + b, 0) === n && s.every((x) => x >= 1) && s.length <= 2;
        },
      ),
    );
  });

  it('refuses nonsense canaries', () => {
    expect(() => parseCanary(0)).toThrow(/>= 1/);
    expect(() => parseCanary('0%')).toThrow(/more than 0%/);
    expect(() => parseCanary('150%')).toThrow(/at most 100%/);
    expect(() => parseCanary('some')).toThrow(/neither/);
    expect(() => parseCanary(1.5)).toThrow();
  });

  it('puts connected, status-reporting, healthy agents first, deterministically', () => {
    const mk = (uid: string, connected: boolean, caps: bigint, healthy?: boolean) =>
      Object.assign(newAgentRecord(uid, 0), { connected, capabilities: caps, healthy });
    const order = canaryOrder([mk('d', false, 0x1002n), mk('c', true, 0x2n), mk('b', true, 0x1002n, false), mk('a', true, 0x1002n, true)]);
    expect(order.map((a) => a.uid)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('states the staged plan in words', () => {
    expect(stageSteps('10%', 10, 30, 300).slice(0, 3)).toEqual([
      'canary: 1 agent (10%), preferring connected, healthy agents that report remote config status',
      'wait for the canary to report APPLIED (up to 300 s), then watch it for 30 s',
      'then the remaining 9 agents (continuing past the canary is part of this approval)',
    ]);
    expect(stageSteps('10%', 1, 30, 300)[0]).toMatch(/^all 1 agent at once/);
  });
});
