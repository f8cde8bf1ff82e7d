/**
 * Identity binding (SECURITY.md): an instance uid whose agent has its own credential (per-agent
 * token or client certificate, already used) is used, re-keyed or displaced only by a connection
 * presenting that credential. A host holding only the shared enrollment token gets a fresh uid of
 * its own instead, whatever it sends (RequestInstanceUid, a plain claim, a claim after the victim
 * went quiet or offline), over WebSocket or plain HTTP, with token or mTLS credentials; the victim
 * keeps its socket, record, credential and desired config.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerFlags, type ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import { newToken } from '../../src/shared/secrets.js';
import { uidToString } from '../../src/protocol/uid.js';
import type { AgentDetail } from '../../src/api/views.js';
import { httpPoll, registeredClientCert, tlsFixture, tlsSettings, type TlsFixture } from '../support/creds.js';
import { ENROLLMENT_TOKEN, eventually, removeDir, startTestServer, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

const REQUEST_UID = BigInt(AgentToServerFlags.AgentToServerFlags_RequestInstanceUid);

let server: TestServer | undefined;
let fixture: TlsFixture | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  if (server) removeDir(server.dir);
  if (fixture) removeDir(fixture.dir);
  server = undefined;
  fixture = undefined;
});

function agent(opts: ConstructorParameters<typeof TestAgent>[0]): TestAgent {
  const a = new TestAgent(opts);
  agents.push(a);
  return a;
}

/** A victim agent online over WebSocket with a per-agent token it has used, and a desired config. */
async function boundVictim(s: TestServer): Promise<{ victim: TestAgent; token: string; configHash: string }> {
  const token = newToken('ampa');
  const victim = agent({ url: s.opampUrl.ws, token, identifying: { 'service.name': 'payments' } });
  s.credentials.add('agent_token', token, victim.uidText);
  await victim.start();
  const desired = s.fleetActions.desired;
  const configHash = desired.registerPayload({ 'collector.yaml': { contentType: 'text/yaml', body: 'receivers: {}\n# payments only\n' } }, 'payments v1');
  desired.assign([{ uid: victim.uidText, hash: configHash }], 'test-change');
  s.fleet.nudge(victim.uidText);
  await victim.waitFor((m) => m.remoteConfig !== undefined);
  return { victim, token, configHash };
}

const newUid = (m: ServerToAgent | undefined) =>
  m?.agentIdentification?.newInstanceUid.length === 16 ? uidToString(m.agentIdentification.newInstanceUid) : undefined;

async function agentView(s: TestServer, uid: string) {
  return s.api<AgentDetail>('GET', `/api/agents/${uid}`);
}

describe('identity binding: the enrollment token never speaks for a uid that has its own credential', () => {
  it('RequestInstanceUid, plain claims and HTTP polls for an online agent get a fresh uid; the agent keeps socket, record, token and config', async () => {
    server = await startTestServer();
    const { victim, token, configHash } = await boundVictim(server);
    const victimUid = victim.uidText;

    // 1. RequestInstanceUid with the victim's uid over a WebSocket authenticated with the enrollment token.
    const attacker = agent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, uid: victim.uid });
    await attacker.connect();
    const rekey = await attacker.send({ capabilities: DEFAULT_CAPS, flags: REQUEST_UID, health: { healthy: false, status: 'forged' } });
    const fresh = newUid(rekey);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(victimUid);
    expect(rekey.remoteConfig).toBeUndefined();
    expect(rekey.errorResponse).toBeUndefined();
    // The attacker keeps talking under its new uid and never receives the victim's config.
    await attacker.heartbeat();
    await attacker.sendFull();

    // 2. The same from a plain-HTTP poll, with and without the flag.
    for (const flags of [REQUEST_UID, 0n]) {
      const poll = await httpPoll(server.opampUrl.http, undefined, ENROLLMENT_TOKEN, {
        instanceUid: victim.uid,
        sequenceNum: 1n,
        flags,
        capabilities: DEFAULT_CAPS,
        health: { healthy: false, status: 'forged over http' },
      });
      expect(poll.status).toBe(200);
      expect(newUid(poll.reply)).toBeDefined();
      expect(newUid(poll.reply)).not.toBe(victimUid);
      expect(poll.reply!.remoteConfig).toBeUndefined();
    }

    // The victim was neither closed nor moved: its socket answers, its record and config stay.
    expect(victim.closeCode).toBeUndefined();
    const hb = await victim.heartbeat();
    expect(hb.errorResponse).toBeUndefined();
    expect(newUid(hb)).toBeUndefined();
    const view = await agentView(server, victimUid);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ uid: victimUid, connected: true, healthy: true });
    expect(server.fleetActions.desired.get(victimUid)?.hash).toBe(configHash);
    expect(server.credentials.forAgent(victimUid).map((c) => c.kind)).toEqual(['agent_token']);
    expect(attacker.received.some((m) => m.remoteConfig !== undefined)).toBe(false);

    // 3. The victim reconnects with its own token and is still itself.
    await victim.close();
    const back = agent({ url: server.opampUrl.ws, token, uid: victim.uid });
    const reply = await back.start();
    expect(reply.errorResponse).toBeUndefined();
    expect(newUid(reply)).toBeUndefined();
    expect((await agentView(server, victimUid)).body).toMatchObject({ connected: true, healthy: true });

    const metrics = await fetch(`${server.controlUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ampgate_\w*errors\w*\{reason="bound_uid_claimed"\} [1-9]/);
  });

  it('an offline bound agent cannot be claimed either, and its own RequestInstanceUid still moves it with its token', async () => {
    server = await startTestServer();
    const { victim, token, configHash } = await boundVictim(server);
    const victimUid = victim.uidText;
    await victim.close();
    await eventually(async () => (await agentView(server!, victimUid)).body.connected === false);

    const claimer = agent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, uid: victim.uid, identifying: { 'service.name': 'forged' } });
    const first = await claimer.start();
    expect(newUid(first)).toBeDefined();
    expect(newUid(first)).not.toBe(victimUid);
    expect(first.remoteConfig).toBeUndefined();
    const view = await agentView(server, victimUid);
    expect(view.body).toMatchObject({ connected: false, identifyingAttributes: { 'service.name': 'payments' } });
    expect(server.fleetActions.desired.get(victimUid)?.hash).toBe(configHash);

    // The real agent, with its own token, may still ask for a new uid: record and token move along.
    const owner = agent({ url: server.opampUrl.ws, token, uid: victim.uid });
    await owner.connect();
    const moved = await owner.send({ ...owner.fullState(), flags: REQUEST_UID });
    const next = newUid(moved);
    expect(next).toBeDefined();
    expect((await agentView(server, victimUid)).status).toBe(404);
    expect(server.credentials.forAgent(next!).map((c) => c.kind)).toEqual(['agent_token']);
  });

  it('the quiet-socket window: 16 s after its last message neither an HTTP poll nor an enrollment-token socket displaces a live agent', async () => {
    server = await startTestServer();
    const { victim } = await boundVictim(server);
    // An agent that only ever used the enrollment token: an HTTP poll for its uid must not close its socket either.
    const shared = agent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN });
    await shared.start();
    await new Promise((r) => setTimeout(r, 16_000));

    const ws = agent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, uid: victim.uid });
    const wsReply = await ws.start();
    expect(newUid(wsReply)).toBeDefined();
    for (const target of [victim, shared]) {
      const poll = await httpPoll(server.opampUrl.http, undefined, ENROLLMENT_TOKEN, {
        instanceUid: target.uid,
        sequenceNum: 7n,
        capabilities: DEFAULT_CAPS,
        health: { healthy: false, status: 'forged' },
      });
      expect(poll.status).toBe(200);
      expect(newUid(poll.reply)).toBeDefined();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(victim.closeCode).toBeUndefined();
    expect(shared.closeCode).toBeUndefined();
    for (const target of [victim, shared]) {
      expect((await target.heartbeat()).errorResponse).toBeUndefined();
      expect((await agentView(server, target.uidText)).body).toMatchObject({ connected: true, healthy: true });
    }
  }, 40_000);

  it('mTLS: a uid bound to a client certificate is not claimed by an enrollment-token connection over TLS', async () => {
    fixture = await tlsFixture();
    server = await startTestServer(tlsSettings(fixture, 'mtls'), fixture.dir);
    const ca = fixture.ca.certPem;
    const probe = agent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN });
    const cert = await registeredClientCert(server, probe.uidText);
    const victim = agent({
      url: server.opampUrl.ws,
      uid: probe.uid,
      identifying: { 'service.name': 'payments' },
      wsOptions: { ca, cert: cert.cert, key: cert.key },
    });
    await victim.start();

    const attacker = agent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, uid: victim.uid, wsOptions: { ca } });
    await attacker.connect();
    const reply = await attacker.send({ ...attacker.fullState(), flags: REQUEST_UID });
    expect(newUid(reply)).toBeDefined();
    expect(newUid(reply)).not.toBe(victim.uidText);
    const poll = await httpPoll(server.opampUrl.http, ca, ENROLLMENT_TOKEN, {
      instanceUid: victim.uid,
      sequenceNum: 1n,
      flags: REQUEST_UID,
      capabilities: DEFAULT_CAPS,
    });
    expect(newUid(poll.reply)).toBeDefined();
    expect(victim.closeCode).toBeUndefined();
    expect((await victim.heartbeat()).errorResponse).toBeUndefined();
    expect((await agentView(server, victim.uidText)).body).toMatchObject({ connected: true });
    expect(server.credentials.forAgent(victim.uidText).map((c) => c.kind)).toEqual(['client_cert']);
  });
});
