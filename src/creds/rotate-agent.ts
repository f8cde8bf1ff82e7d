/**
 * @module One agent's verified rotation inside a rotate_credentials change: mint, persist the
 * rotation row and the new credential in one durable transaction BEFORE offering, offer, wait for
 * the agent to reconnect authenticated with the new credential, then revoke the old one (or, on
 * timeout / FAILED, revoke the new one and keep the old). Idempotent: called again after a restart
 * it continues from the stored row and never repeats a finished step.
 */
import { AgentCapabilities } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentOutcomeStatus } from '../changes/types.js';
import type { AgentRecord } from '../fleet/agent-state.js';
import { hasCapability } from '../protocol/capabilities.js';
import type { RotationRow } from '../store/ports/rotations.js';
import { describeCredential, mint, newRotationId, pendingOffer, type MintKind } from './mint.js';
import { abandonRotation, completeRotation, rotationVerdict } from './rotation-steps.js';
import type { CredentialsRuntime } from './runtime.js';

/** A rotation that lost its secret to restarts this often is given up. */
const MAX_ATTEMPTS = 3;

export interface AgentRotation {
  readonly changeId: string;
  readonly uid: string;
  readonly kind: MintKind;
  readonly timeoutSeconds: number;
  /** Server-certificate rotation: the next CA, offered next to the current bundle. */
  readonly extraTrustPem?: string;
  readonly signal: AbortSignal;
  outcome(status: AgentOutcomeStatus, detail: string): void;
}

export type AgentRotationResult = 'rotated' | 'failed' | 'aborted';

/** uid -> open rotation (change id or 'CSR'), read once per plan rather than once per agent. */
export function openRotations(rt: CredentialsRuntime): Map<string, string> {
  return new Map(rt.rotations.open().map((r) => [r.agent_uid, r.change_id ?? 'CSR']));
}

/** Why `agent` cannot have its `kind` credential rotated now, or undefined. */
export function rotationBlocker(rt: CredentialsRuntime, agent: AgentRecord, kind: MintKind, open: Map<string, string> = openRotations(rt)): string | undefined {
  if (!hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings)) {
    return 'manual rotation needed: the agent lacks AcceptsOpAMPConnectionSettings in its latest message';
  }
  if (!agent.connected) return 'offline: it cannot receive the offer now';
  const auth = rt.tracker.current(agent.uid);
  if (!auth) return 'its current credential is unknown (it has not connected since credential tracking started)';
  if (auth.method === 'none') return 'it connects without a credential (AMPGATE_AGENT_AUTH=none)';
  if (kind === 'token' && auth.method === 'mtls') return 'it authenticates with a client certificate: rotate the "certificate" credential instead';
  const busy = open.get(agent.uid);
  if (busy) return `a credential rotation for this agent is already in progress (${busy})`;
  return undefined;
}

export async function rotateAgent(rt: CredentialsRuntime, o: AgentRotation): Promise<AgentRotationResult> {
  let row = rt.rotations.byChangeAgent(o.changeId, o.uid);
  if (row?.state === 'rotated') return 'rotated';
  if (row?.state === 'failed') return 'failed';
  if (!row) {
    row = await start(rt, o);
    if (row.state === 'failed') {
      o.outcome('failed', row.detail);
      return 'failed';
    }
  }
  for (;;) {
    const pending = rt.offers.pending(row.agent_uid);
    const secretKnown = pending?.reference === row.id && pending.hashHex === row.offer_hash;
    const verdict = await rt.tracker.until(row.agent_uid, rotationVerdict(row, secretKnown, o.timeoutSeconds), row.deadline, o.signal);
    if (verdict === 'aborted') return 'aborted';
    row = rt.rotations.get(row.id)!; // re-read: the agent may have been re-keyed meanwhile
    if (verdict.kind === 'ok') {
      row = completeRotation(rt, row, verdict.detail);
      o.outcome('succeeded', row.detail);
      return 'rotated';
    }
    if (verdict.kind === 'remint' && row.attempt < MAX_ATTEMPTS && rt.registry.get(row.agent_uid)) {
      row = await remint(rt, row, o);
      continue;
    }
    const reason = verdict.kind === 'fail' ? verdict.reason : `the offer was lost to server restarts (attempt ${row.attempt})`;
    row = abandonRotation(rt, row, reason);
    o.outcome('failed', row.detail);
    return 'failed';
  }
}

async function start(rt: CredentialsRuntime, o: AgentRotation): Promise<RotationRow> {
  const agent = rt.registry.get(o.uid);
  const blocker = agent ? rotationBlocker(rt, agent, o.kind) : 'the agent is no longer known';
  const oldId = rt.tracker.current(o.uid)?.credentialId ?? null;
  const base = { change_id: o.changeId, agent_uid: o.uid, credential: o.kind, old_credential_id: oldId, attempt: 1 } as const;
  if (blocker || !agent) {
    return rt.rotations.insert({
      ...base,
      id: newRotationId(),
      state: 'failed',
      new_credential_id: null,
      offer_hash: null,
      deadline: rt.now(),
      detail: `not rotated: ${blocker}`,
    });
  }
  const id = newRotationId();
  const minted = await mint(rt, agent, o.kind);
  const offer = pendingOffer(rt, agent, minted.parts, { purpose: 'rotation', reference: id, extraTrustPem: o.extraTrustPem });
  // Persisted before anything is offered: a crash after this point resumes from the row.
  const row = rt.uow.durably(() => {
    const cred = minted.register();
    return rt.rotations.insert({
      ...base,
      id,
      state: 'offering',
      new_credential_id: cred.id,
      offer_hash: offer.hashHex,
      deadline: rt.now() + o.timeoutSeconds * 1000,
      detail: '',
    });
  });
  rt.offers.offer(o.uid, { ...offer, credentialId: row.new_credential_id ?? undefined });
  rt.fleet.nudge(o.uid);
  o.outcome(
    'offered',
    `${describeCredential(rt, oldId)} -> ${describeCredential(rt, row.new_credential_id)} offered; waiting up to ${o.timeoutSeconds} s for the agent ` +
      `to reconnect with it`,
  );
  return row;
}

/**
 * After a restart the new credential's secret is gone; the agent came back with its old one, so
 * the offer never took effect. Replace the new credential with a fresh one and offer that.
 */
async function remint(rt: CredentialsRuntime, row: RotationRow, o: AgentRotation): Promise<RotationRow> {
  const agent = rt.registry.get(row.agent_uid)!;
  const minted = await mint(rt, agent, o.kind);
  const offer = pendingOffer(rt, agent, minted.parts, { purpose: 'rotation', reference: row.id, extraTrustPem: o.extraTrustPem });
  const next = rt.uow.durably(() => {
    if (row.new_credential_id) rt.creds.revoke(row.new_credential_id);
    const cred = minted.register();
    return rt.rotations.update(row.id, {
      new_credential_id: cred.id,
      attempt: row.attempt + 1,
      offer_hash: offer.hashHex,
      deadline: rt.now() + o.timeoutSeconds * 1000,
    });
  });
  rt.offers.offer(row.agent_uid, { ...offer, credentialId: next.new_credential_id ?? undefined });
  rt.fleet.nudge(row.agent_uid);
  o.outcome(
    'offered',
    `the server restarted before the agent switched; offering a fresh ${describeCredential(rt, next.new_credential_id)} (attempt ${next.attempt})`,
  );
  rt.logger.info({ agent: row.agent_uid, change: row.change_id, attempt: next.attempt }, 'rotation re-offered with a fresh credential after a restart');
  return next;
}
