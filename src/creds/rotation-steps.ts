/**
 * @module The verification and the two endings of a per-agent rotation, shared by the
 * rotate_credentials executor and the CSR flow. A rotation succeeds only when the agent talks over
 * a connection authenticated with the NEW credential (and reports APPLIED for the offer, when it
 * reports connection-settings status at all); then the old credential is revoked. Otherwise the
 * new one is revoked and the old one stays valid (OpAMP spec, Connection Settings Management: the
 * server forgets the old credentials only after the agent connected with the new ones).
 */
import { AgentCapabilities } from '../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../protocol/capabilities.js';
import type { RotationRow } from '../store/ports/rotations.js';
import type { Evaluate } from './auth-tracker.js';
import { describeCredential } from './mint.js';
import type { CredentialsRuntime } from './runtime.js';

export type Verdict = { readonly kind: 'ok'; readonly detail: string } | { readonly kind: 'fail'; readonly reason: string } | { readonly kind: 'remint' };

const REPORTS_STATUS = AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus;

/**
 * Decides a rotation from the agent's latest authentication and connection-settings status.
 * `secretKnown` false (after a restart: the secret was in memory only) turns "the agent came back
 * with its old credential" into a request to mint a fresh one, since the offer cannot be resent.
 */
export function rotationVerdict(row: RotationRow, secretKnown: boolean, waitedSeconds: number): Evaluate<Verdict> {
  return (agent, auth, final) => {
    const usingNew = auth !== undefined && auth.credentialId === row.new_credential_id;
    const st = agent?.connectionSettingsStatus;
    const ours = st !== undefined && row.offer_hash !== null && st.hash === row.offer_hash;
    const reports = agent !== undefined && hasCapability(agent.capabilities, REPORTS_STATUS);
    if (usingNew && (!reports || (ours && st.status === 'APPLIED'))) {
      return { kind: 'ok', detail: reports ? 'reconnected with the new credential and reported APPLIED' : 'reconnected with the new credential' };
    }
    if (!usingNew && ours && st.status === 'FAILED') {
      return { kind: 'fail', reason: `the agent reported FAILED applying the offer${st.errorMessage ? `: ${st.errorMessage}` : ''}` };
    }
    if (!secretKnown && auth?.fresh && !usingNew) return { kind: 'remint' };
    if (!final) return undefined;
    if (usingNew) return { kind: 'ok', detail: 'reconnected with the new credential (APPLIED was not reported)' };
    return { kind: 'fail', reason: `did not reconnect with the new credential within ${waitedSeconds} s` };
  };
}

/** Success: revoke the old per-agent credential (a shared enrollment token stays), mark rotated. */
export function completeRotation(rt: CredentialsRuntime, row: RotationRow, how: string): RotationRow {
  const old = row.old_credential_id ? rt.creds.get(row.old_credential_id) : undefined;
  const revokeOld = old !== undefined && old.kind !== 'enrollment' && old.id !== row.new_credential_id && old.agent_uid === row.agent_uid;
  const change = `${describeCredential(rt, row.old_credential_id)} -> ${describeCredential(rt, row.new_credential_id)}`;
  const tail =
    old?.kind === 'enrollment' ? 'the shared enrollment token stays valid for other agents' : revokeOld ? 'old credential revoked' : 'nothing to revoke';
  const detail = `${change}: ${how}; ${tail}`;
  const done = rt.uow.durably(() => {
    if (revokeOld) rt.creds.revoke(old.id);
    return rt.rotations.update(row.id, { state: 'rotated', detail });
  });
  rt.offers.withdraw(row.agent_uid, row.id);
  rt.metrics.rotations.inc({ credential: row.credential, result: 'rotated' });
  rt.logger.info({ agent: row.agent_uid, change: row.change_id, rotation: row.id, detail }, 'credential rotated');
  return done;
}

/** Failure: revoke the new credential, keep the old one, mark failed, alert (log + counter). */
export function abandonRotation(rt: CredentialsRuntime, row: RotationRow, reason: string): RotationRow {
  const detail =
    `not rotated: ${reason}; kept ${describeCredential(rt, row.old_credential_id)}, revoked the new ` + `${describeCredential(rt, row.new_credential_id)}`;
  const done = rt.uow.durably(() => {
    if (row.new_credential_id) rt.creds.revoke(row.new_credential_id);
    return rt.rotations.update(row.id, { state: 'failed', detail });
  });
  rt.offers.withdraw(row.agent_uid, row.id);
  rt.metrics.rotations.inc({ credential: row.credential, result: 'failed' });
  rt.metrics.failures.inc({ credential: row.credential });
  rt.logger.warn(
    { agent: row.agent_uid, change: row.change_id, rotation: row.id, detail },
    'ALERT credential rotation failed; the agent keeps its old credential',
  );
  return done;
}
