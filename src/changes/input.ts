/**
 * @module Validation of what channels hand to the change service (zod), and scrubbing of
 * free text: a token pasted into a reason or comment is replaced by its fingerprint before it is
 * stored, shown to approvers or audited.
 */
import { z } from 'zod';
import { fingerprint, TOKEN_PATTERN } from '../shared/secrets.js';
import { AmpgateError } from '../shared/errors.js';
import { CONTROL_CHARS_MESSAGE, hasControlChars } from '../shared/safe-text.js';
import { CHANGE_KINDS } from './types.js';

export const CHANNELS = ['rest', 'cli', 'mcp', 'slack', 'web'] as const;

/** Text people type and other people read: no control characters (terminal escapes, line breaks, bidi overrides). */
const noControls = (t: string) => !hasControlChars(t);
const freeText = (max: number) => z.string().max(max).refine(noControls, CONTROL_CHARS_MESSAGE).transform(redactSecrets);

export const ProposalSchema = z.strictObject({
  kind: z.enum(CHANGE_KINDS),
  target: z
    .strictObject({
      agents: z.array(z.string().min(1)).min(1, 'target.agents is empty').max(100_000).optional(),
      selector: z.string().max(2000).optional(),
    })
    .refine((t) => (t.agents === undefined) !== (t.selector === undefined), 'target needs exactly one of "agents" (uid list) or "selector"'),
  params: z.record(z.string(), z.unknown()).default({}),
  reason: z
    .string()
    .trim()
    .min(1, 'a reason is required: say why this change is needed (approvers see it)')
    .max(2000)
    .refine(noControls, CONTROL_CHARS_MESSAGE)
    .transform(redactSecrets),
  channel: z.enum(CHANNELS),
  expiresInMinutes: z.number().int().min(1).optional(),
});

export const DecisionSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  comment: freeText(2000).optional(),
  fingerprint: z.string().trim().min(1).max(200).optional(),
});

/** Replaces every ampgate token in `text` with a marker carrying only its fingerprint. */
export function redactSecrets(text: string): string {
  return text.replace(TOKEN_PATTERN, (t) => `[redacted token ${fingerprint(t)}]`);
}

/** Parses `input` or throws AmpgateError('unprocessable') listing each problem as `path: message`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`);
  throw new AmpgateError('unprocessable', problems.join('; '), { problems });
}
