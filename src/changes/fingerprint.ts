/**
 * @module Fingerprints of what an approval vouches for: the executor's plan, bound to the
 * canonical text of the target.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';

/** sha256 hex over the canonical JSON of everything an approval vouches for. */
export function planFingerprint(kind: string, params: Record<string, unknown>, payloadFingerprint: string, targets: readonly string[]): string {
  return createHash('sha256')
    .update(canonicalJson({ kind, params, payloadFingerprint, targets: [...targets].sort() }))
    .digest('hex');
}

/**
 * What an approval vouches for: the executor's plan fingerprint bound to the canonical target text.
 * A selector's exclusions (`service.name!=payments`) and health filter (`healthy=false`) are thereby
 * part of the approved fingerprint, not only the agents they resolved to at planning time.
 */
export function approvalFingerprint(planFingerprint: string, canonicalTarget: string): string {
  return createHash('sha256')
    .update(canonicalJson({ plan: planFingerprint, target: canonicalTarget }))
    .digest('hex');
}
