/**
 * Verified credential rotation over real TLS sockets: a capable WebSocket agent rotates its bearer
 * token (enrollment -> per-agent -> per-agent) and its client certificate; it must reconnect
 * authenticated with the new credential before the old one is revoked, after which the old one is
 * refused (401). An agent that never reconnects, or reports FAILED, keeps its old credential and
 * the new one is revoked. Logs and API responses never contain a token or a private key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour, type ConnSettingsOptions } from '../support/conn-settings-agent.js';
import {
  changeTokens,
  type ChangeTokens,
  closeRecorded,
  httpPoll,
  type RecordedServer,
  registeredClientCert,
  rotateViaChange,
  startRecordedServer,
  type TlsFixture,
  tlsFixture,
  tlsSettings,
} from '../support/creds.js';
import { ENROLLMENT_TOKEN, eventually } from '../support/server.js';
import { newUuidV7Bytes, uidToString } from '../../src/protocol/uid.js';
import { DEFAULT_CAPS, kv, TestAgent } from '../support/ws-agent.js';

let server: RecordedServer | undefined;
let fixture: TlsFixture | undefined;
let tokens: ChangeTokens | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  // Closes agents, scans what the server logged and answered for secrets, stops it, removes the fixture.
  await closeRecorded(server, fixture, agents);
  server = undefined;
  fixture = undefined;
});

async function setup(mode: 'token' | 'mtls'): Promise<TlsFixture> {
  fixture = await tlsFixture();
  server = await startRecordedServer(tlsSettings(fixture, mode), fixture.dir);
  tokens = await changeTokens(server);
  return fixture;
}

function capableAgent(opts: Partial<ConstructorParameters<typeof TestAgent>[0]> & { behaviour?: ConnSettingsOptions } = {}) {
  const { behaviour, ...agentOpts } = opts;
  const a = new TestAgent({
    url: server!.opampUrl.ws,
    token: ENROLLMENT_TOKEN,
    capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS,
    wsOptions: { ca: fixture!.ca.certPem },
    ...agentOpts,
  });
  agents.push(a);
  return { agent: a, cs: new ConnectionSettingsBehaviour(a, behaviour) };
}

function plainAgent(opts: Partial<ConstructorParameters<typeof TestAgent>[0]>): TestAgent {
  const a = new TestAgent({ url: server!.opampUrl.ws, wsOptions: { ca: fixture!.ca.certPem }, ...opts });
  agents.push(a);
  return a;
}

const bearerOf = (cs: ConnectionSettingsBehaviour, i = 0) =>
  cs.offers[i]!.settings.headers!.headers.find((h) => h.key === 'Authorization')!.value.replace(/^Bearer /, '');

describe('bearer token rotation', () => {
  it('moves an agent from the enrollment token to its own token, then rotates that one; the old per-agent token is then refused', async () => {
    const f = await setup('token');
    const { agent, cs } = capableAgent();
    await agent.start();

    const first = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'token', reconnectTimeoutSeconds: 10 });
    expect(first.result.state).toBe('succeeded');
    expect(first.outcomes.map((o) => o.status)).toEqual(['succeeded']);
    expect(first.outcomes[0]!.detail).toMatch(
      /^enrollment token …[0-9a-f]{4} -> token …[0-9a-f]{4}: reconnected with the new credential and reported APPLIED; the shared enrollment token stays valid/,
    );

    // The offer was complete: endpoint, Authorization header, CA in certificate and tls, positive heartbeat.
    const offer = cs.offers[0]!.settings;
    expect(offer.destinationEndpoint).toBe(server!.opampUrl.ws);
    expect(offer.headers!.headers.map((h) => h.key)).toEqual(['Authorization']);
    expect(Buffer.from(offer.certificate!.caCert).toString()).toBe(f.ca.certPem);
    expect(offer.certificate!.privateKey).toHaveLength(0);
    expect(offer.tls!.caPemContents).toBe(f.ca.certPem);
    expect(offer.heartbeatIntervalSeconds).toBe(30n);
    const tokenA = bearerOf(cs, 0);
    expect(tokenA).toMatch(/^ampa_/);
    expect(agent.opts.headers?.Authorization).toBe(`Bearer ${tokenA}`);

    const second = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'token', reconnectTimeoutSeconds: 10 });
    expect(second.result.state).toBe('succeeded');
    expect(second.outcomes[0]!.detail).toMatch(/^token …[0-9a-f]{4} -> token …[0-9a-f]{4}: .*old credential revoked$/);
    const tokenB = bearerOf(cs, 1);
    expect(tokenB).not.toBe(tokenA);

    // Old per-agent token: 401. New one: accepted (the agent is connected with it). Enrollment: still valid.
    await expect(plainAgent({ uid: agent.uid, token: tokenA }).connect()).rejects.toMatchObject({ status: 401 });
    await plainAgent({ token: ENROLLMENT_TOKEN }).start();
    const view = await server!.api<{
      currentAuth: { credential: { fingerprint: string; kind: string } };
      credentials: Array<{ kind: string; status: string }>;
      rotations: Array<{ state: string }>;
    }>('GET', `/api/agents/${agent.uidText}/credentials`);
    expect(view.body.currentAuth.credential.kind).toBe('agent_token');
    expect(view.body.credentials.map((c) => `${c.kind}:${c.status}`)).toEqual(['agent_token:revoked', 'agent_token:active']);
    expect(view.body.rotations.map((r) => r.state)).toEqual(['rotated', 'rotated']);
    expect(server!.logs.lines.filter((l) => l.includes('"credential rotated"'))).toHaveLength(2);
  });

  it('keeps the old credential and revokes the new one when the agent never reconnects, and alerts', async () => {
    await setup('token');
    const { agent, cs } = capableAgent();
    await agent.start();
    // Baseline: the agent has its own token.
    const base = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'token', reconnectTimeoutSeconds: 10 });
    expect(base.result.state).toBe('succeeded');
    const oldToken = bearerOf(cs, 0);

    cs.opts.mode = 'never';
    const started = Date.now();
    const run = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'token', reconnectTimeoutSeconds: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(run.result.state).toBe('failed');
    expect(run.outcomes.at(-1)).toMatchObject({ status: 'failed' });
    expect(run.outcomes.at(-1)!.detail).toMatch(
      /^not rotated: did not reconnect with the new credential within 1 s; kept token …[0-9a-f]{4}, revoked the new token …[0-9a-f]{4}$/,
    );
    const newToken = bearerOf(cs, cs.offers.length - 1);
    expect(newToken).not.toBe(oldToken);

    // The old token still works, the new one does not.
    await agent.close();
    await agent.start();
    expect(agent.opts.headers?.Authorization).toBe(`Bearer ${oldToken}`);
    await expect(plainAgent({ uid: agent.uid, token: newToken }).connect()).rejects.toMatchObject({ status: 401 });

    // Alert: a warn log line and the failure counter.
    expect(server!.logs.lines.some((l) => l.includes('ALERT credential rotation failed') && l.includes('"level":40'))).toBe(true);
    const metrics = await fetch(`${server!.controlUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ampgate_credential_rotation_failures_total\{credential="token"\} 1/);
  });

  it('fails at once, keeping the old credential, when the agent reports FAILED for the offer', async () => {
    await setup('token');
    const { agent, cs } = capableAgent({ behaviour: { mode: 'reject' } });
    await agent.start();
    const started = Date.now();
    const run = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'token', reconnectTimeoutSeconds: 30 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.result.state).toBe('failed');
    expect(run.outcomes.at(-1)!.detail).toMatch(/the agent reported FAILED applying the offer: refused by test agent; kept enrollment token/);
    await expect(plainAgent({ uid: agent.uid, token: bearerOf(cs) }).connect()).rejects.toMatchObject({ status: 401 });
  });

  it('lists agents without AcceptsOpAMPConnectionSettings as ineligible and never offers them anything', async () => {
    await setup('token');
    const { agent: capable } = capableAgent();
    const legacy = plainAgent({ token: ENROLLMENT_TOKEN, capabilities: DEFAULT_CAPS });
    await capable.start();
    await legacy.start();

    const plan = server!.credentialsModule.executor.plan({ agents: [capable.uidText, legacy.uidText] }, { credential: 'token' });
    expect(plan.targets).toEqual([capable.uidText]);
    expect(plan.risk).toBe('high');
    expect(plan.ineligible).toEqual([
      { uid: legacy.uidText, reason: 'manual rotation needed: the agent lacks AcceptsOpAMPConnectionSettings in its latest message' },
    ]);
    expect(plan.preview.details?.[`agent ${capable.uidText}`]).toMatch(/^enrollment token …[0-9a-f]{4} -> new token$/);
    expect(() => server!.credentialsModule.executor.plan({ agents: [legacy.uidText] }, {})).toThrow(/no target can be rotated/);

    const run = await rotateViaChange(server!, tokens!, [capable.uidText, legacy.uidText], { credential: 'token', reconnectTimeoutSeconds: 10 });
    expect(run.result.state).toBe('succeeded');
    await legacy.heartbeat();
    expect(legacy.received.length).toBeGreaterThan(0);
    for (const m of legacy.received) {
      expect(m.connectionSettings).toBeUndefined();
      expect(m.capabilities & 0x20n).toBe(0x20n); // OffersConnectionSettings, advertised to everyone
    }
  });

  it(
    'rotates an HTTP-polling agent: the offer rides on a poll reply with an https:// endpoint, and is only sent while the latest poll has the ' + 'accept bit',
    async () => {
      const f = await setup('token');
      const caps = DEFAULT_CAPS | CONN_SETTINGS_CAPS;
      const uid = newUuidV7Bytes();
      let seq = 0n;
      const poll = (token: string, init: Record<string, unknown> = {}) =>
        httpPoll(server!.opampUrl.http, f.ca.certPem, token, { instanceUid: uid, sequenceNum: ++seq, capabilities: caps, ...init });
      const first = await poll(ENROLLMENT_TOKEN, { agentDescription: { identifyingAttributes: kv({ 'service.name': 'poller' }) } });
      expect(first.status).toBe(200);

      const running = rotateViaChange(server!, tokens!, [uidToString(uid)], { credential: 'token', reconnectTimeoutSeconds: 10 });
      await eventually(() => server!.credentialsModule.runtime.offers.pending(uidToString(uid)));
      // A poll whose capabilities lack AcceptsOpAMPConnectionSettings gets no offer.
      const without = await httpPoll(server!.opampUrl.http, f.ca.certPem, ENROLLMENT_TOKEN, {
        instanceUid: uid,
        sequenceNum: ++seq,
        capabilities: DEFAULT_CAPS,
      });
      expect(without.reply!.connectionSettings).toBeUndefined();
      // The next one, with the bit, carries the complete offer, endpoint in the polling scheme.
      const withBit = await poll(ENROLLMENT_TOKEN);
      const offer = withBit.reply!.connectionSettings!;
      expect(offer.opamp!.destinationEndpoint).toBe(server!.opampUrl.http);
      expect(offer.opamp!.destinationEndpoint).toMatch(/^https:\/\//);
      expect(offer.opamp!.heartbeatIntervalSeconds).toBe(30n);
      const token = offer.opamp!.headers!.headers[0]!.value.replace('Bearer ', '');
      // Once per settings: the following poll does not repeat it.
      expect(
        (await poll(ENROLLMENT_TOKEN, { connectionSettingsStatus: { lastConnectionSettingsHash: offer.hash, status: 2 } })).reply!.connectionSettings,
      ).toBeUndefined();
      // The agent switches: its next poll uses the new token and reports APPLIED.
      const switched = await poll(token, { connectionSettingsStatus: { lastConnectionSettingsHash: offer.hash, status: 1 } });
      expect(switched.status).toBe(200);
      const run = await running;
      expect(run.result.state).toBe('succeeded');
      expect((await poll(token)).status).toBe(200);
    },
  );
});

describe('client certificate rotation', () => {
  it('rotates a certificate-authenticated agent: it reconnects with the new certificate and the old one gets 401', async () => {
    const f = await setup('mtls');
    const { agent, cs } = capableAgent({ token: undefined });
    const old = await registeredClientCert(server!, agent.uidText);
    agent.opts = { ...agent.opts, wsOptions: { ca: f.ca.certPem, cert: old.cert, key: old.key } };
    await agent.start();

    const run = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'certificate', reconnectTimeoutSeconds: 10 });
    expect(run.result.state).toBe('succeeded');
    expect(run.outcomes.at(-1)!.detail).toMatch(
      /^certificate …[0-9a-f]{4} -> certificate …[0-9a-f]{4}: reconnected with the new credential and reported APPLIED; old credential revoked$/,
    );

    const offer = cs.offers[0]!.settings;
    expect(offer.headers!.headers).toEqual([]); // certificate agents send no bearer token
    expect(Buffer.from(offer.certificate!.cert).toString()).toMatch(/BEGIN CERTIFICATE/);
    expect(Buffer.from(offer.certificate!.privateKey).toString()).toMatch(/BEGIN PRIVATE KEY/);
    expect(Buffer.from(offer.certificate!.caCert).toString()).toBe(f.ca.certPem);
    expect(agent.opts.wsOptions?.cert).not.toBe(old.cert);

    const stale = plainAgent({ uid: agent.uid, wsOptions: { ca: f.ca.certPem, cert: old.cert, key: old.key } });
    await expect(stale.connect()).rejects.toMatchObject({ status: 401 });
    const view = await server!.api<{ currentAuth: { method: string; credential: { id: string } }; credentials: Array<{ id: string; status: string }> }>(
      'GET',
      `/api/agents/${agent.uidText}/credentials`,
    );
    expect(view.body.currentAuth.method).toBe('mtls');
    expect(view.body.credentials.find((c) => c.id === old.credentialId)!.status).toBe('revoked');
  });

  it('moves a token-bootstrapped agent onto a certificate; a certificate that was never used is revoked on timeout', async () => {
    const f = await setup('mtls');
    const { agent, cs } = capableAgent();
    await agent.start();
    const run = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'certificate', reconnectTimeoutSeconds: 10 });
    expect(run.result.state).toBe('succeeded');
    expect(agent.opts.token).toBeUndefined();
    expect(agent.opts.headers).toEqual({});

    cs.opts.mode = 'never';
    const failed = await rotateViaChange(server!, tokens!, [agent.uidText], { credential: 'certificate', reconnectTimeoutSeconds: 1 });
    expect(failed.result.state).toBe('failed');
    const unused = cs.offers.at(-1)!.settings.certificate!;
    const tryUnused = plainAgent({
      uid: agent.uid,
      wsOptions: { ca: f.ca.certPem, cert: Buffer.from(unused.cert).toString(), key: Buffer.from(unused.privateKey).toString() },
    });
    await expect(tryUnused.connect()).rejects.toMatchObject({ status: 401 });
    // The certificate from the first rotation still works.
    await agent.close();
    await agent.start();
    await eventually(() => agent.received.length > 0);
  });
});
