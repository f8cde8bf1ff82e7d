/**
 * @module Drift check: approval is bound to the fingerprint. Right before execution the executor
 * re-plans the request; if the target set or payload is not what the approvers saw, execution is
 * refused with a reason a human understands, and nothing is sent.
 */
import { AmpgateError } from '../shared/errors.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { approvalFingerprint } from './fingerprint.js';
import type { ChangeExecutor, ChangeRequest, TargetSpec } from './types.js';

export interface Drift {
  readonly reason: string;
  readonly details: Record<string, unknown>;
}

const short = (fp: string) => (fp.length > 12 ? `${fp.slice(0, 12)}…` : fp);

/** Re-plans `req` with its pinned params; returns the drift, or undefined when nothing changed. */
export function checkDrift(executor: ChangeExecutor, req: ChangeRequest, canonicalTarget: (target: TargetSpec) => string): Drift | undefined {
  let plan;
  let fingerprint;
  try {
    plan = executor.plan(req.target, req.params);
    fingerprint = approvalFingerprint(plan.fingerprint, canonicalTarget(req.target));
  } catch (err) {
    if (!(err instanceof AmpgateError)) throw err;
    return { reason: `the change can no longer be planned: ${err.message}`, details: { code: err.code } };
  }
  // The fingerprint covers kind, pinned params, payload, the target spec and the resolved agents:
  // equal means nothing drifted. The details below are only worked out for a refusal (a 10k-agent
  // set diff costs milliseconds).
  if (fingerprint === req.fingerprint && plan.payloadFingerprint === req.payloadFingerprint) return undefined;
  const before = new Set(req.targets);
  const now = new Set(plan.targets);
  const added = plan.targets.filter((u) => !before.has(u));
  const removed = req.targets.filter((u) => !now.has(u));
  if (added.length > 0 || removed.length > 0) {
    return {
      reason: `target set changed: +${added.length} -${removed.length} agents`,
      details: { added: added.slice(0, 20), removed: removed.slice(0, 20), addedCount: added.length, removedCount: removed.length },
    };
  }
  if (plan.payloadFingerprint !== req.payloadFingerprint) {
    const what = req.kind === 'config_push' ? 'config version changed' : 'payload changed';
    return {
      reason: `${what} (${short(req.payloadFingerprint)} -> ${short(plan.payloadFingerprint)})`,
      details: { approvedPayload: req.payloadFingerprint, currentPayload: plan.payloadFingerprint },
    };
  }
  if (canonicalJson(plan.params) !== canonicalJson(req.params)) return { reason: 'parameters changed after re-planning', details: { current: plan.params } };
  if (fingerprint !== req.fingerprint) {
    return {
      reason: `plan fingerprint changed (${short(req.fingerprint)} -> ${short(fingerprint)})`,
      details: { approved: req.fingerprint, current: fingerprint },
    };
  }
  return undefined;
}
