/**
 * @module Slack's Block Kit limits, enforced on the final (already escaped) text: Slack refuses a
 * whole message with `invalid_blocks` when one field is a character too long, and for an approval
 * card that means no card and no approval. Text is cut only where it is safe to cut: never inside
 * a surrogate pair or a grapheme (emoji with modifiers, flags), an escaped entity (`&amp;`) or a
 * Slack token (`<@U123>`, `<!date^…>`), and a cut inside a code block closes the fence.
 * Lengths are counted in UTF-16 code units, which is never less than what Slack counts.
 */

export type Block = Record<string, unknown>;

/** Limits from Slack's Block Kit reference (blocks, text objects and button elements). */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  id: 255,
  /** The message's top-level `text` (notification fallback); Slack truncates beyond 40,000. */
  messageText: 40_000,
} as const;

const FENCE = '```';
const MARK = '…';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** True when every code fence that opens also closes. */
export function fencesBalanced(text: string): boolean {
  return text.split(FENCE).length % 2 === 1;
}

/** The largest index <= n at which `text` may be cut (a grapheme boundary outside entities and tokens). */
export function safeCut(text: string, n: number): number {
  if (n >= text.length) return text.length;
  if (n <= 0) return 0;
  const from = Math.max(0, n - 64);
  let cut = from;
  for (const { index } of segmenter.segment(text.slice(from, Math.min(text.length, n + 64)))) {
    if (from + index > n) break;
    cut = from + index;
  }
  // Never half a surrogate pair, even when the window started inside a long grapheme.
  if (cut > 0 && /[\uD800-\uDBFF]/.test(text[cut - 1]!)) cut--;
  // Not inside an escaped entity (`&amp;`, `&lt;`, `&gt;`, at most 5 characters long).
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && cut - amp < 6 && !text.slice(amp, cut).includes(';')) cut = amp;
  // Not inside a Slack token (`<@U1>`, `<!date^…|…>`, `<#C1>`): user text is escaped, so `<` is ours.
  const lt = text.lastIndexOf('<', cut - 1);
  if (lt >= 0 && !text.slice(lt, cut).includes('>')) cut = lt;
  return cut;
}

/**
 * `text` within `max` characters: unchanged when it fits and its code fences are closed; otherwise
 * cut at a safe place, marked with "…", with an open code fence closed.
 */
export function fitText(text: string, max: number): string {
  if (text.length <= max && fencesBalanced(text)) return text;
  const room = max - MARK.length - FENCE.length - 1;
  const cut = text.length <= room ? text.length : safeCut(text, room);
  let out = text.slice(0, cut);
  if (cut < text.length) out += MARK;
  if (!fencesBalanced(out)) out += `\n${FENCE}`;
  return out;
}

/**
 * A code block of already escaped text within `max` characters. Backtick runs inside cannot end
 * the block early (a zero-width space splits them), so the fence always closes where it should.
 */
export function codeBlock(escaped: string, max: number): string {
  const inner = escaped.replace(/`{3,}/g, (run) => run.split('').join('\u200b'));
  const room = max - 2 * FENCE.length;
  const body = inner.length <= room ? inner : `${inner.slice(0, safeCut(inner, room - MARK.length))}${MARK}`;
  return `${FENCE}${body}${FENCE}`;
}

type TextObject = { type?: unknown; text?: unknown };

function fitObject(t: unknown, max: number): unknown {
  if (!t || typeof t !== 'object') return t;
  const o = t as TextObject;
  return typeof o.text === 'string' ? { ...o, text: fitText(o.text, max) } : o;
}

function fitId(v: unknown): unknown {
  return typeof v === 'string' && v.length > LIMITS.id ? v.slice(0, LIMITS.id) : v;
}

function fitElement(e: unknown): unknown | undefined {
  if (!e || typeof e !== 'object') return e;
  const el = { ...(e as Record<string, unknown>) };
  // A cut value would be a different value: an element whose value is too long is left out.
  if (typeof el.value === 'string' && el.value.length > LIMITS.buttonValue) return undefined;
  if (el.type === 'button') el.text = fitObject(el.text, LIMITS.buttonText);
  if ('action_id' in el) el.action_id = fitId(el.action_id);
  return el;
}

/** One block within its limits; undefined when nothing of it is left (an actions block with no element). */
function fitBlock(block: Block): Block | undefined {
  const b: Block = { ...block };
  if ('block_id' in b) b.block_id = fitId(b.block_id);
  switch (b.type) {
    case 'header':
      b.text = fitObject(b.text, LIMITS.header);
      break;
    case 'section':
      if (b.text !== undefined) b.text = fitObject(b.text, LIMITS.sectionText);
      if (Array.isArray(b.fields)) b.fields = b.fields.slice(0, LIMITS.fields).map((f) => fitObject(f, LIMITS.field));
      if (b.accessory !== undefined) b.accessory = fitElement(b.accessory);
      break;
    case 'context':
      if (Array.isArray(b.elements)) b.elements = b.elements.slice(0, LIMITS.contextElements).map((e) => fitObject(e, LIMITS.contextText));
      break;
    case 'actions': {
      const elements = Array.isArray(b.elements)
        ? b.elements
            .map(fitElement)
            .filter((e) => e !== undefined)
            .slice(0, LIMITS.actionsElements)
        : [];
      if (elements.length === 0) return undefined;
      b.elements = elements;
      break;
    }
  }
  return b;
}

/**
 * A message's blocks within every limit. Beyond 50 blocks, headers and buttons are kept and the
 * other blocks are kept in order while there is room, followed by a note of how many were left out.
 */
export function fitBlocks(blocks: readonly Block[]): Block[] {
  const fitted = blocks.map(fitBlock).filter((b): b is Block => b !== undefined);
  if (fitted.length <= LIMITS.blocks) return fitted;
  const essential = (b: Block) => b.type === 'actions' || b.type === 'header';
  let room = LIMITS.blocks - 1 - fitted.filter(essential).length;
  const kept = fitted.filter((b) => essential(b) || room-- > 0);
  const dropped = fitted.length - kept.length;
  return [...kept.slice(0, LIMITS.blocks - 1), { type: 'context', elements: [{ type: 'mrkdwn', text: `… ${dropped} more block(s) not shown` }] }];
}

/** A message's notification text within Slack's limit. */
export function fitMessageText(text: string): string {
  return fitText(text, LIMITS.messageText);
}
