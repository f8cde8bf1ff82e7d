/**
 * @module What every MCP tool shares: results (structuredContent plus the same JSON as text, or an
 * isError result), truthful annotations, and the argument shapes of targets, reasons and expiry.
 */
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ApiError } from '../api/client.js';
import { withFilters } from '../fleet/attributes.js';

export const Uid = z.string().uuid().describe('agent instance uid (UUID)');
export const SELECTOR_HELP =
  'attribute selector: key=value clauses joined by commas, all must hold; key!=value excludes; healthy=true|false selects by reported health. e.g. ' +
  'deployment.environment=prod,service.name!=payments ("" = every agent). A selector that matches nothing is answered with the keys and values no ' +
  'agent has and their close matches.';
export const Target = z
  .object({
    selector: z.string().max(500).optional().describe(SELECTOR_HELP),
    agents: z.array(Uid).min(1).max(500).optional().describe('explicit agent uids'),
    exclude: z
      .array(z.string().max(200))
      .max(20)
      .optional()
      .describe('with selector: leave out agents with these attributes, e.g. ["service.name=payments"] (added as service.name!=payments)'),
    healthy: z.boolean().optional().describe('with selector: only agents whose last health report said healthy (true) or unhealthy (false)'),
  })
  .describe('exactly one of selector or agents; exclude and healthy narrow a selector');
export type TargetArg = z.infer<typeof Target>;

export const Reason = z.string().min(3).max(1000).describe('why this change is needed; shown to the human approvers');
export const ExpiresInMinutes = z
  .number()
  .int()
  .min(1)
  .max(10_080)
  .optional()
  .describe('how long humans have to approve before the request expires (default: the policy default, 30 minutes; the policy bounds it)');
export const Offset = z.number().int().min(0).default(0).describe('skip this many results (paging; use nextOffset from the previous page)');

/** The REST target for an MCP target: exclusions and health folded into the selector. */
export function restTarget(t: TargetArg): { agents?: string[]; selector?: string } {
  const filtered = (t.exclude?.length ?? 0) > 0 || t.healthy !== undefined;
  if (t.agents !== undefined) {
    if (filtered) throw new ApiError(400, 'bad_request', 'exclude and healthy narrow a selector; they cannot be combined with agents');
    return t.selector === undefined ? { agents: t.agents } : { agents: t.agents, selector: t.selector };
  }
  if (!filtered) return t.selector === undefined ? {} : { selector: t.selector };
  try {
    return { selector: withFilters(t.selector, t.exclude, t.healthy) };
  } catch (err) {
    throw new ApiError(400, 'bad_request', (err as Error).message);
  }
}

/** Reads: no side effect, same answer for the same question. */
export const READ: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/**
 * Proposals: they write (a pending change request) but destroy nothing and change no agent until
 * humans approve; the same proposal again returns the open request (idempotent).
 */
export const PROPOSE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** Cancelling ends a request for good (someone's pending change is gone); cancelling again changes nothing more. */
export const CANCEL: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

export function ok<T extends Record<string, unknown>>(out: T): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
}

export function fail(err: unknown): CallToolResult {
  const msg = err instanceof ApiError ? `${err.code} (${err.status}): ${err.message}` : `internal error: ${(err as Error).message}`;
  return { content: [{ type: 'text', text: msg }], isError: true };
}

export async function guarded(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    return fail(err);
  }
}

/** The offset of the next page, or null after the last one. */
export function nextOffset(offset: number, shown: number, total: number): number | null {
  return offset + shown < total ? offset + shown : null;
}
