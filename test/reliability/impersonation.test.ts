/**
 * A malicious agent holding the shared enrollment token (any enrolled host has it in its config)
 * claims another agent's instance uid. Once that agent has used its own credential, the claimer
 * gets a fresh uid of its own (identity binding, see SECURITY.md and identity-binding.test.ts), and
 * it must not receive that agent's new credential during a rotation: rotation offers go only to
 * connections authenticated with a credential bound to that agent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour } from '../support/conn-settings-agent.js';
import {
  closeRecorded,
  changeTokens,
  rotateViaChange,
  startRecordedServer,
  tlsFixture,
  tlsSettings,
  type RecordedServer,
  type TlsFixture,
} from '../support/creds.js';
import type { ChangeRequest } from '../../src/changes/types.js';
import { ENROLLMENT_TOKEN, eventually } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

let server: RecordedServer | undefined;
let fixture: TlsFixture | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  // Closes agents, scans what the server logged and answered for secrets, stops it, removes the fixture.
  await closeRecorded(server, fixture, agents);
  server = undefined;
  fixture = undefined;
});

describe('a malicious agent with the enrollment token', () => {
  it('does not receive another agent’s rotation offer by claiming its uid; the real agent still rotates', async () => {
    fixture = await tlsFixture();
    server = await startRecordedServer(tlsSettings(fixture, 'token'), fixture.dir);
    const ca = fixture.ca.certPem;
    const tokens = await changeTokens(server);
    const victim = new TestAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS, wsOptions: { ca } });
    agents.push(victim);
    const vcs = new ConnectionSettingsBehaviour(victim);
    await victim.start();
    // First rotation: the victim moves from the enrollment token to its own token.
    expect((await rotateViaChange(server, tokens, [victim.uidText], { credential: 'token', reconnectTimeoutSeconds: 20 })).result.state).toBe('succeeded');

    // Second rotation: the victim receives the offer but drops off before acting on it.
    vcs.opts.mode = 'never';
    const proposed = await server.api<{ request: ChangeRequest }>(
      'POST',
      '/api/changes',
      {
        kind: 'rotate_credentials',
        target: { agents: [victim.uidText] },
        params: { credential: 'token', reconnectTimeoutSeconds: 30 },
        reason: 'second rotation',
      },
      tokens.proposer,
    );
    for (const t of tokens.approvers)
      await server.api('POST', `/api/changes/${proposed.body.request.id}/approve`, { fingerprint: proposed.body.request.fingerprint }, t);
    await eventually(() => vcs.offers.length === 2);
    await victim.close();

    // The attacker speaks for the victim's uid with the enrollment token while the victim is away.
    const attacker = new TestAgent({
      url: server.opampUrl.ws,
      uid: victim.uid,
      token: ENROLLMENT_TOKEN,
      capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
      wsOptions: { ca },
    });
    agents.push(attacker);
    const acs = new ConnectionSettingsBehaviour(attacker, { mode: 'never' });
    const claimed = await attacker.start();
    expect(claimed.agentIdentification?.newInstanceUid).toHaveLength(16);
    expect(attacker.uidText).not.toBe(victim.uidText);
    await attacker.heartbeat();
    await attacker.sendFull();
    expect(acs.offers).toEqual([]);
    await attacker.close();

    // The real agent (restarted) comes back with its own token, gets the offer again and applies it.
    const back = new TestAgent({ ...victim.opts, uid: victim.uid });
    agents.push(back);
    const bcs = new ConnectionSettingsBehaviour(back);
    await back.start();
    const done = await eventually(async () => {
      const r = await server!.api<ChangeRequest>('GET', `/api/changes/${proposed.body.request.id}`, undefined, tokens.proposer);
      return ['succeeded', 'failed'].includes(r.body.state) ? r.body : undefined;
    }, 20_000);
    expect(done.state).toBe('succeeded');
    expect(bcs.applied).toHaveLength(1);
    expect(bcs.offers[0]!.hash).toBe(vcs.offers[1]!.hash); // the same offer, resent to the right connection
  });
});
