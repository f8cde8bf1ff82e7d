import { describe, expect, it } from 'vitest';
import { codeBlock, fencesBalanced, fitBlocks, fitText, safeCut } from './block-limits.js';

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Adversarial texts: long, escapes that grow 4-5×, backticks, emoji with surrogate pairs and ZWJ, RTL. */
const ADVERSARIAL: Record<string, string> = {
  long: 'x'.repeat(10_000),
  lessThan: '<'.repeat(3_000),
  ampersand: '&'.repeat(3_000),
  mixedEscapes: '<!channel> & <@U123> '.repeat(300),
  backticks: '```'.repeat(1_000),
  fenceOpen: `\`\`\`\n${'line\n'.repeat(1_000)}`,
  emoji: '🚀'.repeat(2_000),
  family: '👨‍👩‍👧‍👦'.repeat(500),
  flags: '🇩🇪🇫🇷'.repeat(1_000),
  rtl: 'שלום עולם مرحبا بالعالم '.repeat(300),
  rtlOverride: '\u202Egnp.exe\u202C '.repeat(500),
};

describe('fitText', () => {
  it('leaves text that fits alone', () => {
    expect(fitText('short & sweet', 3000)).toBe('short & sweet');
    expect(fitText('', 10)).toBe('');
  });

  for (const [name, raw] of Object.entries(ADVERSARIAL)) {
    it(`keeps escaped ${name} text within every limit, without half a pair, entity or fence`, () => {
      const escaped = esc(raw);
      for (const max of [75, 76, 150, 151, 1999, 2000, 3000]) {
        const out = fitText(escaped, max);
        expect(out.length, `${name} @${max}`).toBeLessThanOrEqual(max);
        expect(loneSurrogate.test(out), `${name} @${max} cuts a surrogate pair`).toBe(false);
        expect(fencesBalanced(out), `${name} @${max} leaves a fence open`).toBe(true);
        // Whatever was kept is a prefix of the input (plus the marker and a closing fence).
        const kept = out.replace(/…(\n```)?$/, '').replace(/\n```$/, '');
        expect(escaped.startsWith(kept), `${name} @${max}`).toBe(true);
        // Escaped input has `&` only at the start of an entity, so a kept `&` without `;` is a cut entity.
        expect(kept, `${name} @${max} ends inside an entity`).not.toMatch(/&[a-z]*$/);
        if (escaped.length > max) expect(out).toContain('…');
      }
    });
  }

  it('never ends inside an entity or a Slack token', () => {
    const text = `${'a'.repeat(95)}&amp;&lt;<@U0123456789>`;
    for (let max = 90; max <= 120; max++) {
      const out = fitText(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      const kept = out.replace(/…$/, '');
      expect(kept).not.toMatch(/&[a-z]*$/);
      expect(kept).not.toMatch(/<[^>]*$/);
    }
  });

  it('closes a code fence it cut through', () => {
    const out = fitText(`*Diff*\n\`\`\`${'+ added line\n'.repeat(500)}\`\`\``, 3000);
    expect(out.length).toBeLessThanOrEqual(3000);
    expect(out.endsWith('…\n```')).toBe(true);
    expect(fencesBalanced(out)).toBe(true);
  });
});

describe('safeCut', () => {
  it('moves a cut off the middle of a surrogate pair and of a ZWJ sequence', () => {
    expect(safeCut('a🚀', 2)).toBe(1);
    const family = '👨‍👩‍👧‍👦';
    expect(safeCut(`ab${family}`, 5)).toBe(2);
    expect(safeCut(`ab${family}cd`, 2 + family.length)).toBe(2 + family.length);
  });
});

describe('codeBlock', () => {
  it('keeps a block closed whatever backticks the content holds, within the limit', () => {
    for (const raw of [ADVERSARIAL.backticks!, 'a ``` b', '````', ADVERSARIAL.fenceOpen!, ADVERSARIAL.emoji!]) {
      const out = codeBlock(esc(raw), 2000);
      expect(out.length).toBeLessThanOrEqual(2000);
      expect(out.startsWith('```') && out.endsWith('```')).toBe(true);
      expect(out.slice(3, -3)).not.toContain('```');
      expect(loneSurrogate.test(out)).toBe(false);
    }
  });
});

describe('fitBlocks', () => {
  it('fits headers, sections, fields, context, buttons and the block count', () => {
    const long = esc(ADVERSARIAL.mixedEscapes!);
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: ADVERSARIAL.emoji } },
      { type: 'section', text: { type: 'mrkdwn', text: long }, fields: Array.from({ length: 12 }, () => ({ type: 'mrkdwn', text: long })) },
      { type: 'context', elements: Array.from({ length: 12 }, () => ({ type: 'mrkdwn', text: long })) },
      ...Array.from({ length: 60 }, (_, i) => ({ type: 'section', text: { type: 'mrkdwn', text: `row ${i}` } })),
      {
        type: 'actions',
        block_id: 'b'.repeat(300),
        elements: [
          { type: 'button', action_id: 'ok', text: { type: 'plain_text', text: ADVERSARIAL.family }, value: 'v' },
          { type: 'button', action_id: 'too_long', text: { type: 'plain_text', text: 'x' }, value: 'v'.repeat(2001) },
        ],
      },
    ];
    const out = fitBlocks(blocks);
    expect(out.length).toBe(50);
    expect(out.at(-1)).toMatchObject({ type: 'context' });
    expect(JSON.stringify(out.at(-1))).toMatch(/more block\(s\) not shown/);
    const header = out[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const section = out[1] as { text: { text: string }; fields: Array<{ text: string }> };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.fields).toHaveLength(10);
    for (const f of section.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    expect((out[2] as { elements: unknown[] }).elements).toHaveLength(10);
    // The buttons survive the block cap; the one whose value would have to be cut is left out.
    const actions = out.find((b) => b.type === 'actions') as { block_id: string; elements: Array<{ action_id: string; text: { text: string } }> };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['ok']);
    expect(actions.elements[0]!.text.text.length).toBeLessThanOrEqual(75);
    expect(actions.block_id.length).toBe(255);
  });

  it('drops an actions block left without elements', () => {
    expect(fitBlocks([{ type: 'actions', elements: [{ type: 'button', value: 'v'.repeat(3000), text: { type: 'plain_text', text: 'x' } }] }])).toEqual([]);
  });
});
