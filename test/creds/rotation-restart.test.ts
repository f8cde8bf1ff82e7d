/**
 * Rotation across a server restart, and re-keyed agents. The new credential's secret lives only in
 * memory, so an execution resumed after a restart mints a fresh credential when the agent comes
 * back with its old one (never resending, never losing the old credential), and a finished
 * rotation resumed again does nothing. The restart case drives the executor directly (abort at a
 * chosen point, then execute again as the engine does on start); test/creds/rotation-changes.test.ts
 * covers the same through the engine. An agent that takes a new instance uid keeps its
 * per-agent token, bound to the new uid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerFlags } from '../../src/gen/opamp/v1/opamp_pb.js';
import type { ExecutionContext } from '../../src/changes/types.js';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour } from '../support/conn-settings-agent.js';
import {
  closeRecorded,
  changeTokens,
  fakeRequest,
  type RecordedOutcome,
  type RecordedServer,
  rotateViaChange,
  startRecordedServer,
  type TlsFixture,
  tlsFixture,
  tlsSettings,
} from '../support/creds.js';
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

function recorder(signal: AbortSignal): { ctx: ExecutionContext; outcomes: RecordedOutcome[] } {
  const outcomes: RecordedOutcome[] = [];
  return { outcomes, ctx: { signal, outcome: (uid, status, detail = '') => outcomes.push({ uid, status, detail }), progress: () => {} } };
}

describe('rotation and restarts', () => {
  it('resumes after a restart: the lost offer is replaced by a fresh credential, the first one is revoked', async () => {
    fixture = await tlsFixture();
    server = await startRecordedServer(tlsSettings(fixture, 'token'), fixture.dir);
    const agent = new TestAgent({
      url: server.opampUrl.ws,
      token: ENROLLMENT_TOKEN,
      capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
      wsOptions: { ca: fixture.ca.certPem },
    });
    agents.push(agent);
    const cs = new ConnectionSettingsBehaviour(agent, { mode: 'never' }); // it will not act before the crash
    await agent.start();

    const plan = server.credentialsModule.executor.plan({ agents: [agent.uidText] }, { credential: 'token', reconnectTimeoutSeconds: 30 });
    const request = fakeRequest('42', plan.targets, plan.params);
    const shutdown = new AbortController();
    const first = recorder(shutdown.signal);
    const running = server.credentialsModule.executor.execute(request, first.ctx);
    await eventually(() => cs.offers.length === 1);
    shutdown.abort();
    await expect(running).rejects.toThrow(/interrupted by shutdown/);
    const lostToken = cs.offers[0]!.settings.headers!.headers[0]!.value.replace('Bearer ', '');
    await server.stop();

    // Same database, new process state. The agent comes back with its old (enrollment) token.
    server = await startRecordedServer(tlsSettings(fixture, 'token'), fixture.dir);
    agent.opts = { ...agent.opts, url: server.opampUrl.ws };
    cs.opts.mode = 'apply';
    const second = recorder(new AbortController().signal);
    const resumed = server.credentialsModule.executor.execute(request, second.ctx);
    await agent.start();
    const result = await resumed;
    expect(result.state).toBe('succeeded');
    expect(second.outcomes.map((o) => o.status)).toEqual(['offered', 'succeeded']);
    expect(second.outcomes[0]!.detail).toMatch(/server restarted before the agent switched; offering a fresh token …[0-9a-f]{4} \(attempt 2\)/);
    expect(cs.offers).toHaveLength(2);
    const rows = server.credentialsModule.runtime.rotations.forChange('42');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'rotated', attempt: 2 });

    // The lost token was revoked; the fresh one is in use.
    const probe = new TestAgent({ url: server.opampUrl.ws, uid: agent.uid, token: lostToken, wsOptions: { ca: fixture.ca.certPem } });
    agents.push(probe);
    await expect(probe.connect()).rejects.toMatchObject({ status: 401 });

    // Executing the finished request again changes nothing and offers nothing.
    const third = recorder(new AbortController().signal);
    expect((await server.credentialsModule.executor.execute(request, third.ctx)).state).toBe('succeeded');
    expect(third.outcomes).toEqual([]);
    expect(cs.offers).toHaveLength(2);
  });

  it('keeps a per-agent token working when the agent takes a new instance uid', async () => {
    fixture = await tlsFixture();
    server = await startRecordedServer(tlsSettings(fixture, 'token'), fixture.dir);
    const agent = new TestAgent({
      url: server.opampUrl.ws,
      token: ENROLLMENT_TOKEN,
      capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
      wsOptions: { ca: fixture.ca.certPem },
    });
    agents.push(agent);
    new ConnectionSettingsBehaviour(agent);
    await agent.start();
    expect(
      (await rotateViaChange(server, await changeTokens(server), [agent.uidText], { credential: 'token', reconnectTimeoutSeconds: 10 })).result.state,
    ).toBe('succeeded');
    const oldUid = agent.uidText;

    const reply = await agent.send({ flags: BigInt(AgentToServerFlags.AgentToServerFlags_RequestInstanceUid) });
    expect(reply.agentIdentification?.newInstanceUid).toHaveLength(16);
    await agent.closed(); // the server closes the connection authenticated for the old uid
    expect(agent.closeCode).toBe(1012);
    await agent.connect();
    const again = await agent.sendFull();
    expect(again.errorResponse).toBeUndefined();
    expect(agent.uidText).not.toBe(oldUid);

    const view = await server.api<{ currentAuth: { credential: { kind: string; status: string } }; credentials: Array<{ kind: string; status: string }> }>(
      'GET',
      `/api/agents/${agent.uidText}/credentials`,
    );
    expect(view.body.currentAuth.credential).toMatchObject({ kind: 'agent_token', status: 'active' });
    // The credentials moved with the agent: nothing per-agent is bound to the old uid any more.
    expect(server.credentials.forAgent(oldUid)).toEqual([]);
  });
});
