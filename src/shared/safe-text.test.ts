import { describe, expect, it } from 'vitest';
import { block, hasControlChars, inline, jsonSafe } from './safe-text.js';

describe('control characters in human-facing text', () => {
  it('inline makes every control visible, block keeps newlines and tabs', () => {
    const evil = 'a\u001b[2K\rb\nc\td\u009b1;1H\u202ee\u0000';
    expect(inline(evil)).toBe('a\\x1b[2K\\rb\\nc\\td\\x9b1;1H\\u202ee\\x00');
    expect(block(evil)).toBe('a\\x1b[2K\\rb\nc\td\\x9b1;1H\\u202ee\\x00');
    expect(inline('plain text, ünïcödé ✓ 🙂')).toBe('plain text, ünïcödé ✓ 🙂');
  });

  it('detects them (newline and tab only when layout is not allowed)', () => {
    expect(hasControlChars('ok')).toBe(false);
    expect(hasControlChars('a\nb')).toBe(true);
    expect(hasControlChars('a\nb', true)).toBe(false);
    expect(hasControlChars('a\u2066b', true)).toBe(true);
    // The global regex keeps no state between calls.
    expect([hasControlChars('\u001b'), hasControlChars('\u001b')]).toEqual([true, true]);
  });

  it('jsonSafe keeps JSON valid and equal after parsing', () => {
    const text = JSON.stringify({ v: 'x\u009b2J\u202ey\u007f' });
    const safe = jsonSafe(text);
    expect(safe).not.toMatch(/[\u007f-\u009f\u202e]/);
    expect(JSON.parse(safe)).toEqual(JSON.parse(text));
  });
});
