import { describe, expect, it } from 'vitest';
import { AgentCapabilities } from '../gen/opamp/v1/opamp_pb.js';
import { newAgentRecord, type AgentRecord } from '../fleet/agent-state.js';
import type { RotationRow } from '../store/ports/rotations.js';
import type { AuthObservation } from './auth-tracker.js';
import { rotationVerdict } from './rotation-steps.js';

const STATUS = BigInt(AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus);
const row: RotationRow = {
  id: 'r',
  change_id: '1',
  agent_uid: 'u',
  credential: 'token',
  state: 'offering',
  old_credential_id: 'old',
  new_credential_id: 'new',
  attempt: 1,
  offer_hash: 'aa',
  deadline: 0,
  detail: '',
  created_at: 0,
  updated_at: 0,
};

function agent(caps: bigint, status?: AgentRecord['connectionSettingsStatus']): AgentRecord {
  const a = newAgentRecord('u', 0);
  a.capabilities = caps;
  a.connectionSettingsStatus = status;
  return a;
}
const seen = (credentialId: string, fresh = true): AuthObservation => ({ method: 'token', credentialId, at: 1, fresh });

describe('rotationVerdict', () => {
  const decide = rotationVerdict(row, true, 60);

  it('succeeds once the agent talks with the new credential (no status capability)', () => {
    expect(decide(agent(0n), seen('old'), false)).toBeUndefined();
    expect(decide(agent(0n), seen('new'), false)).toEqual({ kind: 'ok', detail: 'reconnected with the new credential' });
  });

  it('also waits for APPLIED of this offer from agents that report status', () => {
    expect(decide(agent(STATUS, { hash: 'aa', status: 'APPLYING', errorMessage: '' }), seen('new'), false)).toBeUndefined();
    expect(decide(agent(STATUS, { hash: 'bb', status: 'APPLIED', errorMessage: '' }), seen('new'), false)).toBeUndefined();
    expect(decide(agent(STATUS, { hash: 'aa', status: 'APPLIED', errorMessage: '' }), seen('new'), false)).toMatchObject({ kind: 'ok' });
    // APPLIED while still on the old credential is not enough.
    expect(decide(agent(STATUS, { hash: 'aa', status: 'APPLIED', errorMessage: '' }), seen('old'), false)).toBeUndefined();
  });

  it('fails at once on FAILED for this offer, and at the deadline without the new credential', () => {
    expect(decide(agent(STATUS, { hash: 'aa', status: 'FAILED', errorMessage: 'tls: bad certificate' }), seen('old'), false)).toEqual({
      kind: 'fail',
      reason: 'the agent reported FAILED applying the offer: tls: bad certificate',
    });
    expect(decide(agent(0n), seen('old'), true)).toEqual({ kind: 'fail', reason: 'did not reconnect with the new credential within 60 s' });
    expect(decide(undefined, undefined, true)).toMatchObject({ kind: 'fail' });
  });

  it('at the deadline, an agent using the new credential counts as rotated even without APPLIED (revoking it would strand it)', () => {
    expect(decide(agent(STATUS), seen('new'), true)).toEqual({ kind: 'ok', detail: 'reconnected with the new credential (APPLIED was not reported)' });
  });

  it('after a restart (secret lost) asks for a fresh credential when the agent is seen again with the old one', () => {
    const resumed = rotationVerdict(row, false, 60);
    expect(resumed(agent(0n), seen('old', false), false)).toBeUndefined(); // remembered from before the restart
    expect(resumed(agent(0n), seen('old', true), false)).toEqual({ kind: 'remint' });
    expect(resumed(agent(0n), seen('new', false), false)).toMatchObject({ kind: 'ok' }); // it switched before the restart
  });
});
