import { describe, expect, it } from 'vitest';
import { formatSelector, matchesSelector, parseSelector, SelectorSyntaxError } from './attributes.js';

describe('attribute selectors', () => {
  const attrs = { 'service.name': 'checkout', 'deployment.environment': 'prod', replicas: 3 };

  it('matches equality and inequality clauses', () => {
    expect(matchesSelector(parseSelector('service.name=checkout,deployment.environment=prod'), attrs)).toBe(true);
    expect(matchesSelector(parseSelector('service.name=checkout, deployment.environment != prod'), attrs)).toBe(false);
    expect(matchesSelector(parseSelector('replicas=3'), attrs)).toBe(true);
    expect(matchesSelector(parseSelector('missing!=x'), attrs)).toBe(true);
    expect(matchesSelector(parseSelector(''), attrs)).toBe(true);
  });

  it('rejects malformed clauses with a message naming the clause', () => {
    expect(() => parseSelector('service.name')).toThrow(SelectorSyntaxError);
    expect(() => parseSelector('a=1,=2')).toThrow(/"=2"/);
  });

  it('formats a canonical, order-independent text', () => {
    expect(formatSelector(parseSelector('b=2, a=1'))).toBe(formatSelector(parseSelector('a=1,b=2')));
  });
});
