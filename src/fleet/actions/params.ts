/**
 * @module Parameter parsing shared by the fleet executors: zod schemas whose failures become
 * AmpgateError('unprocessable') with every problem listed, as `plan` promises.
 */
import type { z } from 'zod';
import { AmpgateError } from '../../shared/errors.js';

export function parseParams<S extends z.ZodType>(kind: string, schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length > 0 ? `params.${i.path.join('.')}` : 'params'}: ${i.message}`);
  throw new AmpgateError('unprocessable', `invalid ${kind} params: ${problems.join('; ')}`, { problems });
}
