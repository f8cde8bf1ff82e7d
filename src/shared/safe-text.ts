/**
 * @module Control characters in text that reaches a human: terminal escape sequences (ESC, CSI
 * and the other C0/C1 controls), carriage returns and line separators that forge lines, and
 * Unicode bidirectional controls that reorder what is displayed. Agents report strings ampgate
 * shows to approvers (attributes, effective configs, ineligible reasons), so every human-facing
 * output neutralises them, and free text people type (reasons, comments, names) refuses them.
 */

/** C0 controls, DEL, C1 controls, line/paragraph separators and bidirectional controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same without newline and tab (text that is legitimately multi-line: diffs, configs). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw inside strings but a terminal may still interpret. */
const JSON_RAW_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function visible(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** True when `text` holds a control character (newline and tab count, unless allowed). */
export function hasControlChars(text: string, allowLayout = false): boolean {
  const re = allowLayout ? CONTROL_BUT_LAYOUT : CONTROL;
  re.lastIndex = 0;
  const found = re.test(text);
  re.lastIndex = 0;
  return found;
}

/** One-line display: every control character, newline and tab included, becomes a visible escape. */
export function inline(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Multi-line display: newlines and tabs stay, every other control character becomes visible. */
export function block(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, visible);
}

/**
 * JSON text for a terminal: the characters JSON.stringify leaves raw (DEL, C1, bidirectional
 * controls, line separators) become \u escapes, which parse back to the same string.
 */
export function jsonSafe(json: string): string {
  return json.replace(JSON_RAW_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The message used when free text with control characters is refused. */
export const CONTROL_CHARS_MESSAGE = 'must not contain control characters (terminal escapes, line breaks, bidirectional overrides)';
