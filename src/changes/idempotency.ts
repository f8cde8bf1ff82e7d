/**
 * @module Idempotency keys of proposals: the same kind, target and pinned params while an
 * identical request is open (pending, approved, executing) return that request instead of a
 * second one (a repeated click, a retried MCP call, two people asking for the same thing).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';
import type { ChangeKind } from './types.js';

/** sha256 hex of the canonical (kind, canonical target text, pinned params). */
export function idempotencyKey(kind: ChangeKind, canonicalTarget: string, pinnedParams: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson({ kind, target: canonicalTarget, params: pinnedParams }))
    .digest('hex');
}
