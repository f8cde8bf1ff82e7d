/**
 * Scenarios 5 and 6 on the real Supervisor (and, for contrast, an agent on opamp-go's client that
 * ignores offered headers as opamp-go's example agent does), through a tap that records each connection's
 * Authorization header and every ServerToAgent message:
 * - token rotation through ConnectionSettingsOffers: the Supervisor reconnects with the offered
 *   header; the old per-agent token is revoked only after that and then gets 401;
 * - offer gating (the seed's scenario): with accepts_opamp_connection_settings: false no offer is
 *   ever sent, every ServerToAgent still advertises OffersConnectionSettings, and a rotation
 *   proposal is refused with "manual rotation needed".
 */
import { expect, it } from 'vitest';
import { ServerCapabilities } from '../../src/gen/opamp/v1/opamp_pb.js';
import {
  addConfig,
  agent,
  api,
  approve,
  createPeople,
  ENROLLMENT_TOKEN,
  eventually,
  finished,
  propose,
  startAmpgate,
  type Ampgate,
} from './support/ampgate.js';
import { startGoAgent } from './support/goagent.js';
import { startSupervisor, until } from './support/supervisor.js';
import { startTap, type Tap } from './support/tap.js';
import { sceneDir, useScene } from './support/scene.js';

useScene();

async function setup() {
  const dir = sceneDir();
  const tap = await startTap();
  const amp = await startAmpgate(dir, { AMPGATE_OPAMP_PUBLIC_URL: tap.url });
  tap.target = amp.proc.opampWs;
  return { dir, amp, tap, people: await createPeople(amp.proc) };
}

const offers = (t: Tap) => t.connections.flatMap((c) => c.messages).filter((m) => m.connectionSettings !== undefined);

/** A POST with this bearer token to the HTTP transport: 401 when the token is not valid. */
async function statusWithToken(amp: Ampgate, token: string): Promise<number> {
  const res = await fetch(amp.proc.opampHttp, {
    method: 'POST',
    headers: { Authorization: token, 'Content-Type': 'application/x-protobuf' },
    body: new Uint8Array(),
  });
  await res.arrayBuffer();
  return res.status;
}

it('rotates the Supervisor token through a ConnectionSettingsOffer; the old token is revoked after the reconnect and then gets 401', async () => {
  const { dir, amp, tap, people } = await setup();
  const sup = await startSupervisor(dir, 'sup', { endpoint: tap.url, token: ENROLLMENT_TOKEN });
  await until(sup, 'healthy', async () => (await agent(amp.proc, sup.uid))?.healthy);

  const rotate = async () => {
    const change = await propose(amp.proc, people, {
      kind: 'rotate_credentials',
      target: { agents: [sup.uid] },
      params: { credential: 'token', reconnectTimeoutSeconds: 60 },
      reason: 'interop: rotate',
    });
    expect(change.risk).toBe('high');
    await approve(amp.proc, people, change);
    return finished(amp.proc, change.id, 90_000);
  };

  // 1: from the enrollment token to a token of its own (the enrollment token is never revoked).
  const first = await rotate();
  expect(first.state).toBe('succeeded');
  const t1 = tap.connections.at(-1)!.authorization!;
  expect(t1).toMatch(/^Bearer ampa_/);
  expect(sup.log()).toMatch(/Connected to the server/);

  // 2: from that token to a new one; only now is an old per-agent credential revoked.
  const before = tap.connections.length;
  expect(await statusWithToken(amp, t1)).not.toBe(401);
  const second = await rotate();
  expect(second.state).toBe('succeeded');
  expect(second.outcomes[0]!.detail).toMatch(/reconnected with the new credential.*old credential revoked/);
  const after = tap.connections.slice(before);
  const t2 = after.find((c) => c.status === 101 && c.authorization !== t1)?.authorization;
  expect(t2).toMatch(/^Bearer ampa_/);
  expect(t2).not.toBe(t1);
  // Every offer reached the Supervisor over a connection authenticated before it, and each
  // offer was made once.
  expect(offers(tap)).toHaveLength(2);
  expect(await statusWithToken(amp, t1)).toBe(401);
  expect(await statusWithToken(amp, t2!)).not.toBe(401);
  expect((await agent(amp.proc, sup.uid))?.connected).toBe(true);

  // Upstream limitation: the Supervisor keeps offered settings in memory only
  // (supervisor.go#onOpampConnectionSettings replaces s.config.Server). Restarted, it comes back
  // with the enrollment token from its config file, which ampgate still accepts for it.
  const beforeRestart = tap.connections.length;
  await sup.stop();
  sup.start();
  await until(sup, 'reconnected after restart', async () => tap.connections.slice(beforeRestart).find((c) => c.status === 101));
  expect(tap.connections.slice(beforeRestart).find((c) => c.status === 101)!.authorization).toBe(`Bearer ${ENROLLMENT_TOKEN}`);
});

it(
  'never offers connection settings to a Supervisor with accepts_opamp_connection_settings: false, advertises OffersConnectionSettings on every ' +
    'message, and refuses the rotation',
  async () => {
    const { dir, amp, tap, people } = await setup();
    const sup = await startSupervisor(dir, 'gated', { endpoint: tap.url, token: ENROLLMENT_TOKEN, acceptsConnectionSettings: false });
    await until(sup, 'healthy', async () => (await agent(amp.proc, sup.uid))?.healthy);
    expect((await agent(amp.proc, sup.uid))!.capabilities).not.toContain('AcceptsOpAMPConnectionSettings');

    const r = await api<{ error: { code: string; message: string } }>(
      amp.proc,
      'POST',
      '/api/changes',
      { kind: 'rotate_credentials', target: { agents: [sup.uid] }, params: { credential: 'token' }, reason: 'interop: gated' },
      people.alice,
    );
    expect(r.status).toBe(422);
    expect(r.body.error.message).toMatch(/manual rotation needed/);

    // Other traffic flows (a config push, with its offer and status replies), but never a
    // connection-settings offer.
    await addConfig(
      amp.proc,
      people,
      'gated-gw',
      'receivers:\n  nop: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [nop]\n      exporters: [debug]\n',
    );
    const push = await propose(amp.proc, people, {
      kind: 'config_push',
      target: { agents: [sup.uid] },
      params: { config: 'gated-gw', canary: '100%', bakeSeconds: 0 },
      reason: 'interop: traffic',
    });
    await approve(amp.proc, people, push);
    expect((await finished(amp.proc, push.id, 60_000)).state).toBe('succeeded');
    const messages = tap.connections.flatMap((c) => c.messages);
    expect(messages.some((m) => m.remoteConfig !== undefined)).toBe(true);
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const m of messages) expect(m.capabilities & BigInt(ServerCapabilities.ServerCapabilities_OffersConnectionSettings)).not.toBe(0n);
    expect(offers(tap)).toHaveLength(0);
  },
);

it(
  'fails the token rotation cleanly on an agent that ignores offered headers (opamp-go example agent behaviour): ' + 'old credential kept, alert raised',
  async () => {
    const { dir, amp, tap, people } = await setup();
    const ga = startGoAgent(dir, 'stock', { endpoint: tap.url, token: ENROLLMENT_TOKEN });
    await eventually(async () => (await agent(amp.proc, ga.uid))?.connected, 30_000, 200);
    const change = await propose(amp.proc, people, {
      kind: 'rotate_credentials',
      target: { agents: [ga.uid] },
      params: { credential: 'token', reconnectTimeoutSeconds: 5 },
      reason: 'interop: stock agent',
    });
    await approve(amp.proc, people, change);
    const done = await finished(amp.proc, change.id, 60_000);
    expect(done.state).toBe('failed');
    // The agent got the offer and reconnected, but with the header it had: the enrollment token.
    expect(offers(tap)).toHaveLength(1);
    expect(ga.events().some((e) => e.event === 'connection_settings' && e.headers_applied === false)).toBe(true);
    expect(tap.connections.filter((c) => c.status === 101).every((c) => c.authorization === `Bearer ${ENROLLMENT_TOKEN}`)).toBe(true);
    expect(amp.proc.output()).toMatch(/ALERT credential rotation failed; the agent keeps its old credential/);
    const metrics = await (await fetch(`${amp.proc.controlUrl}/metrics`)).text();
    expect(metrics).toMatch(/^ampgate_credential_rotation_failures_total\S* 1$/m);
    const creds = (await api<{ credentials: Array<{ kind: string; status: string }> }>(amp.proc, 'GET', `/api/agents/${ga.uid}/credentials`)).body;
    expect(creds.credentials.filter((c) => c.kind === 'agent_token').map((c) => c.status)).toEqual(['revoked']);
    expect((await agent(amp.proc, ga.uid))?.connected).toBe(true);
  },
);
