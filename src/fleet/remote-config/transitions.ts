/**
 * @module How an agent's RemoteConfigStatus moves the attempt that ampgate assigned to it. Pure,
 * so the rules that prevent resend loops and re-offers of bad configs are unit-tested on their own.
 *
 * The rules (OpAMP spec, Configuration: RemoteConfigStatus per hash; no resend loop; opamp-spec issue #397):
 * - A status for the attempt's own hash is the agent's truth: APPLYING, APPLIED or FAILED (+ error).
 * - A status for a different hash only matters once the agent has acknowledged ours (applying or
 *   applied): if it then reports APPLIED/APPLYING for another config, it went back to it (e.g. the
 *   Supervisor's rollback to the last healthy config, or APPLIED(A) -> APPLYING(B) -> FAILED(B) ->
 *   APPLIED(A) without the FAILED reaching us). The attempt is then 'rolled_back' and is never
 *   offered again automatically.
 * - Before the agent acknowledged ours, a different hash is just its old status (an HTTP agent
 *   reports it in the very message whose reply carries our offer).
 */
import type { RemoteConfigStatusView } from '../agent-state.js';
import type { AttemptStatus } from '../../store/ports/remote-config.js';

export interface AttemptState {
  readonly hash: string;
  readonly status: AttemptStatus;
  readonly error: string;
}

/** Statuses from which the attempt is never offered again automatically. */
export const NO_REOFFER: ReadonlySet<AttemptStatus> = new Set(['failed', 'rolled_back', 'superseded']);

/** The next status of an attempt given the agent's reported status, or undefined for "unchanged". */
export function nextAttemptState(a: AttemptState, reported: RemoteConfigStatusView | undefined): { status: AttemptStatus; error: string } | undefined {
  if (!reported || a.status === 'superseded') return undefined;
  let next: { status: AttemptStatus; error: string } | undefined;
  if (reported.hash === a.hash) {
    if (reported.status === 'APPLIED') next = { status: 'applied', error: '' };
    else if (reported.status === 'FAILED') next = { status: 'failed', error: reported.errorMessage || 'the agent reported FAILED without an error message' };
    else if (reported.status === 'APPLYING' && (a.status === 'assigned' || a.status === 'offered')) next = { status: 'applying', error: '' };
  } else if ((a.status === 'applying' || a.status === 'applied') && reported.hash !== '' && (reported.status === 'APPLIED' || reported.status === 'APPLYING')) {
    next = {
      status: 'rolled_back',
      error:
        `the agent went back to config ${reported.hash.slice(0, 12)} (${reported.status}) after ` +
        `${a.status === 'applied' ? 'applying' : 'starting to apply'} this one`,
    };
  }
  if (!next || (next.status === a.status && next.error === a.error)) return undefined;
  return next;
}
