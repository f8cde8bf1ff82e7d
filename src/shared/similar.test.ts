import { describe, expect, it } from 'vitest';
import { editDistance, suggest } from './similar.js';

const known = ['checkout', 'checkout-v2', 'payments', 'frontend', 'otel-gateway', 'staging', 'node-1', 'node-2'];

describe('did you mean', () => {
  it('counts swapped letters as one edit', () => {
    expect(editDistance('cehckout', 'checkout')).toBe(1);
    expect(editDistance('prdo', 'prod')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
  });

  it.each([
    ['paymnts', ['payments']],
    ['payment', ['payments']],
    ['checkouts', ['checkout']],
    ['stagin', ['staging']],
    ['pay', ['payments']],
    ['pymts', ['payments']],
    ['gateway', ['otel-gateway']],
    ['v2', ['checkout-v2']],
    ['node1', ['node-1']],
  ])('%s -> %j', (word, want) => {
    expect(suggest(word, known)).toEqual(want);
  });

  it('offers nothing for words that are not close to anything, and no abbreviations in typo-only mode', () => {
    expect(suggest('billing', known)).toEqual([]);
    expect(suggest('fe', known)).toEqual([]);
    expect(suggest('roll', ['rollout'], 3, true)).toEqual([]);
    expect(suggest('restrat', ['restart'], 3, true)).toEqual(['restart']);
  });
});
