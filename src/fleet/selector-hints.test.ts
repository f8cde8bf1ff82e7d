import { describe, expect, it } from 'vitest';
import { parseSelector, type Attributes } from './attributes.js';
import { selectorHint } from './selector-hints.js';

type Agent = { attributes: Attributes; healthy: boolean | undefined };
const fleet: Agent[] = [
  { attributes: { 'service.name': 'checkout', 'deployment.environment': 'prod', 'host.name': 'node-1' }, healthy: undefined },
  { attributes: { 'service.name': 'payments', 'deployment.environment': 'prod', 'host.name': 'node-2' }, healthy: undefined },
  { attributes: { 'service.name': 'checkout', 'deployment.environment': 'staging' }, healthy: undefined },
];
const hint = (selector: string, agents: Agent[] = fleet) => selectorHint(agents, parseSelector(selector));

describe('selectorHint', () => {
  it('names a misspelt key with its close match and lists the known keys', () => {
    const h = hint('servce.name=checkout');
    expect(h.problems).toEqual([{ clause: 'servce.name=checkout', problem: 'unknown_key', suggestions: ['service.name'] }]);
    expect(h.message).toContain('no agent reports the attribute "servce.name" (did you mean "service.name"?)');
    expect(h.message).toContain('known attribute keys: "deployment.environment", "host.name", "service.name", and healthy=true|false');
    expect(h.knownKeys).toEqual(['deployment.environment', 'host.name', 'service.name', 'healthy']);
  });

  it('names a misspelt value with its close match and the key’s known values', () => {
    const h = hint('service.name=chekout,deployment.environment=prod');
    expect(h.problems).toEqual([{ clause: 'service.name=chekout', problem: 'unknown_value', suggestions: ['checkout'] }]);
    expect(h.message).toBe('no agent has service.name="chekout" (did you mean "checkout"?); known values of service.name: "checkout", "payments"');
  });

  it('says when only the combination is empty, and when nobody reported health', () => {
    expect(hint('service.name=payments,deployment.environment=staging').message).toBe(
      'each clause matches some agent, but no agent matches all of them together',
    );
    expect(hint('healthy=false').problems).toEqual([{ clause: 'healthy=false', problem: 'no_health_report', suggestions: [] }]);
    expect(hint('healthy=false', [{ attributes: {}, healthy: true }]).problems).toEqual([]);
  });

  it('offers no guess when nothing is close, and bounds long lists', () => {
    expect(hint('zone=eu').problems[0]!.suggestions).toEqual([]);
    const many: Agent[] = Array.from({ length: 40 }, (_, i) => ({ attributes: { [`key.${String(i).padStart(2, '0')}`]: 'x' }, healthy: undefined }));
    expect(hint('nothing.like.it=1', many).message).toContain('(+25 more)');
  });
});
