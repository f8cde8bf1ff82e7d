/**
 * @module Input validation for the control plane with readable messages.
 */
import type { z } from 'zod';
import { AmpgateError, type ErrorCode } from '../shared/errors.js';

/** Parses `input` or throws an AmpgateError listing each problem as `path: message`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, code: ErrorCode = 'unprocessable'): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`);
  throw new AmpgateError(code, problems.join('; '), { problems });
}
