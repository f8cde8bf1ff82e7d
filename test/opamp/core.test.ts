/**
 * OpAMP server core over real loopback sockets: both transports, framing, errors, sequence gaps,
 * duplicate uids, authentication, admission control and persistence across restarts.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentCapabilities,
  AgentToServerFlags,
  AgentToServerSchema,
  ServerCapabilities,
  ServerErrorResponseType,
  ServerToAgentFlags,
  ServerToAgentSchema,
} from '../../src/gen/opamp/v1/opamp_pb.js';
import type { AgentDetail, AgentSummary } from '../../src/api/views.js';
import { newUuidV7Bytes, uidFromString, uidToString } from '../../src/protocol/uid.js';
import { ENROLLMENT_TOKEN, eventually, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, kv, TestAgent } from '../support/ws-agent.js';

const FULL_STATE = BigInt(ServerToAgentFlags.ServerToAgentFlags_ReportFullState);
const has = (mask: bigint, bit: number) => (mask & BigInt(bit)) !== 0n;

let server: TestServer | undefined;
const agents: TestAgent[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
  for (const d of dirs.splice(0)) removeDir(d);
});

function agent(opts: Partial<ConstructorParameters<typeof TestAgent>[0]> = {}): TestAgent {
  const a = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, ...opts });
  agents.push(a);
  return a;
}

async function post(body: Uint8Array, headers: Record<string, string> = {}, token: string | null = ENROLLMENT_TOKEN) {
  const h: Record<string, string> = { 'Content-Type': 'application/x-protobuf', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  const res = await fetch(server!.opampUrl.http, { method: 'POST', headers: h, body });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

describe('WebSocket transport', () => {
  it('answers with instance_uid and the server capabilities, and the agent appears in the API', async () => {
    server = await startTestServer();
    const a = agent({ identifying: { 'service.name': 'checkout', 'deployment.environment': 'prod' }, nonIdentifying: { 'host.name': 'node-1' } });
    const reply = await a.start();
    expect(reply.instanceUid).toEqual(a.uid);
    expect(has(reply.capabilities, ServerCapabilities.ServerCapabilities_AcceptsStatus)).toBe(true);
    expect(has(reply.capabilities, ServerCapabilities.ServerCapabilities_OffersConnectionSettings)).toBe(true);
    expect(has(reply.capabilities, ServerCapabilities.ServerCapabilities_OffersPackages)).toBe(false);
    expect(reply.flags & FULL_STATE).toBe(0n); // the first message was complete

    const list = await server.api<{ agents: AgentSummary[]; total: number }>('GET', '/api/agents?selector=service.name=checkout');
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const summary = list.body.agents[0]!;
    expect(summary).toMatchObject({
      uid: a.uidText,
      connected: true,
      transport: 'ws',
      identifyingAttributes: { 'service.name': 'checkout', 'deployment.environment': 'prod' },
      nonIdentifyingAttributes: { 'host.name': 'node-1' },
      healthy: true,
    });
    expect(summary.capabilities).toEqual(expect.arrayContaining(['ReportsStatus', 'AcceptsRemoteConfig', 'ReportsEffectiveConfig']));

    const detail = await server.api<AgentDetail>('GET', `/api/agents/${a.uidText}`);
    expect(detail.body.effectiveConfig).toEqual({ 'collector.yaml': { contentType: 'text/yaml', body: 'receivers: {}\n' } });
    expect((await server.api('GET', '/api/agents?selector=service.name=payments')).body).toMatchObject({ total: 0 });
  });

  it('accepts frames with and without the 0x00 header', async () => {
    server = await startTestServer();
    const legacy = agent({ legacyFraming: true });
    expect((await legacy.start()).instanceUid).toEqual(legacy.uid);
    const modern = agent();
    expect((await modern.start()).instanceUid).toEqual(modern.uid);
    expect(server.registry.get(legacy.uidText)?.connected).toBe(true);
  });

  it('answers garbage with error_response BadRequest and keeps the connection working', async () => {
    server = await startTestServer();
    const a = agent();
    await a.start();
    const err = a.next((m) => m.errorResponse !== undefined);
    a.sendRaw(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
    expect((await err).errorResponse?.type).toBe(ServerErrorResponseType.ServerErrorResponseType_BadRequest);
    // A wrong-length uid is refused, the socket stays usable.
    const short = create(AgentToServerSchema, { instanceUid: Uint8Array.of(1, 2, 3), sequenceNum: 99n, capabilities: 1n });
    const refusal = a.next((m) => m.errorResponse !== undefined);
    a.sendRaw(toBinary(AgentToServerSchema, short));
    expect((await refusal).errorResponse?.errorMessage).toMatch(/16 bytes/);
    expect((await a.heartbeat()).errorResponse).toBeUndefined();
  });

  it('closes the socket with 1009 when a message exceeds the size limit', async () => {
    server = await startTestServer({ maxMessageBytes: 4096 });
    const a = agent();
    await a.start();
    a.sendRaw(new Uint8Array(10_000));
    await a.closed();
    expect(a.closeCode).toBe(1009);
  });

  it('asks for ReportFullState once on a sequence gap, not again after the agent complies', async () => {
    server = await startTestServer();
    const a = agent();
    expect((await a.start()).flags & FULL_STATE).toBe(0n);
    expect((await a.heartbeat()).flags & FULL_STATE).toBe(0n);
    a.seq += 5n; // messages lost
    const count = a.received.length;
    const gapReply = await a.heartbeat();
    expect(gapReply.flags & FULL_STATE).toBe(FULL_STATE);
    // The test agent answers the flag with its full state; the server must not ask again.
    const next = await a.receivedCount(count + 2);
    expect(next.flags & FULL_STATE).toBe(0n);
    expect((await a.heartbeat()).flags & FULL_STATE).toBe(0n);
    // A retry of the same sequence number is not a gap.
    expect((await a.send({ capabilities: a.capabilities }, { seq: a.seq })).flags & FULL_STATE).toBe(0n);
  });

  it('asks an agent whose state is incomplete for it once per connection, never in a loop', async () => {
    server = await startTestServer();
    const a = agent();
    await a.connect();
    // Only capabilities: description, health and effective config are missing.
    const first = await a.send({ capabilities: a.capabilities });
    expect(first.flags & FULL_STATE).toBe(FULL_STATE);
    const afterFull = await a.receivedCount(2); // reply to the full state the agent sent in response
    expect(afterFull.flags & FULL_STATE).toBe(0n);
    expect(server.registry.get(a.uidText)?.description).toBeDefined();
  });

  it('asks for the component map once when an agent sends only its hash, and not after it arrives', async () => {
    server = await startTestServer();
    const COMPONENTS = BigInt(ServerToAgentFlags.ServerToAgentFlags_ReportAvailableComponents);
    const a = agent({ capabilities: DEFAULT_CAPS | BigInt(AgentCapabilities.AgentCapabilities_ReportsAvailableComponents) });
    await a.start();
    const hashOnly = await a.send({ availableComponents: { hash: Uint8Array.of(1, 2, 3) } });
    expect(hashOnly.flags & COMPONENTS).toBe(COMPONENTS);
    expect((await a.heartbeat()).flags & COMPONENTS).toBe(0n); // once per connection, not per message
    const full = await a.send({
      availableComponents: { hash: Uint8Array.of(1, 2, 3), components: { receivers: { metadata: kv({ 'code.namespace': 'otlp' }) } } },
    });
    expect(full.flags & COMPONENTS).toBe(0n);
    const stored = JSON.parse(server.registry.get(a.uidText)!.availableComponentsJson!) as { components: Record<string, unknown> };
    expect(Object.keys(stored.components)).toEqual(['receivers']);
    expect(server.registry.get(a.uidText)!.componentDetailsMissing).toBe(false);
  });

  it('gives a new uid to a second live connection claiming the same uid, but not to a quick reconnect', async () => {
    server = await startTestServer();
    const original = agent();
    await original.start();
    await original.heartbeat();

    // A clone with the same uid and an unrelated sequence number, while the original is active.
    const clone = agent({ uid: original.uid });
    await clone.connect();
    const reply = await clone.send(clone.fullState(), { seq: 1n });
    const fresh = reply.agentIdentification?.newInstanceUid;
    expect(fresh?.length).toBe(16);
    expect(reply.instanceUid).toEqual(original.uid); // the reply echoes the uid it answers
    expect(uidToString(fresh!)).not.toBe(original.uidText);
    await eventually(() => server!.registry.get(uidToString(fresh!))?.connected);
    expect(server.registry.get(original.uidText)?.connected).toBe(true);
    expect(original.closeCode).toBeUndefined();

    // The same agent reconnecting (sequence continues) replaces its old socket instead.
    const reconnect = agent({ uid: original.uid });
    reconnect.seq = original.seq;
    await reconnect.connect();
    const r2 = await reconnect.heartbeat();
    expect(r2.agentIdentification).toBeUndefined();
    await original.closed();
    expect(server.registry.get(original.uidText)?.connected).toBe(true);
  });

  it('assigns a uid when the agent asks for one and moves its state', async () => {
    server = await startTestServer();
    const a = agent();
    await a.start();
    const oldUid = a.uidText;
    const reply = await a.send({ capabilities: a.capabilities, flags: BigInt(AgentToServerFlags.AgentToServerFlags_RequestInstanceUid) });
    const fresh = uidToString(reply.agentIdentification!.newInstanceUid);
    expect(fresh).not.toBe(oldUid);
    expect(server.registry.get(oldUid)).toBeUndefined();
    await eventually(() => server!.registry.get(fresh)?.description !== undefined);

    // A message still in flight with the old uid maps to the new one instead of recreating the old record.
    const stale = create(AgentToServerSchema, { instanceUid: uidFromString(oldUid), sequenceNum: 99n, capabilities: a.capabilities });
    const answer = a.next((m) => uidToString(m.instanceUid) === oldUid);
    a.sendRaw(toBinary(AgentToServerSchema, stale));
    expect(uidToString((await answer).agentIdentification!.newInstanceUid)).toBe(fresh);
    expect(server.registry.get(oldUid)).toBeUndefined();
    expect(server.registry.size).toBe(1);
  });

  it('marks the agent offline on agent_disconnect and on socket loss', async () => {
    server = await startTestServer();
    const a = agent();
    await a.start();
    await a.disconnect();
    await eventually(() => server!.registry.get(a.uidText)?.connected === false);
    const b = agent();
    await b.start();
    b.socket!.terminate();
    await eventually(() => server!.registry.get(b.uidText)?.connected === false);
  });

  it('refuses upgrades without a valid token with 401', async () => {
    server = await startTestServer();
    await expect(agent({ token: undefined }).connect()).rejects.toMatchObject({ status: 401 });
    await expect(agent({ token: 'ampe_wrong-token-wrong-token-wrong-token-wrong-tok' }).connect()).rejects.toMatchObject({ status: 401 });
    expect(server.registry.size).toBe(0);
  });

  it('answers 429 with Retry-After beyond the admission rate', async () => {
    server = await startTestServer({ connectRate: 1, connectBurst: 2, retryAfterSeconds: 7 });
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => agent().connect()));
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as { status: number; headers: Record<string, string> });
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(7);
    }
  });

  it('answers 503 with Retry-After at the connection limit', async () => {
    server = await startTestServer({ maxConnections: 1 });
    await agent().start();
    await expect(agent().connect()).rejects.toMatchObject({ status: 503 });
  });
});

describe('plain HTTP transport', () => {
  const uid = newUuidV7Bytes();
  const full = () =>
    create(AgentToServerSchema, {
      instanceUid: uid,
      sequenceNum: 1n,
      capabilities: BigInt(AgentCapabilities.AgentCapabilities_ReportsStatus) | BigInt(AgentCapabilities.AgentCapabilities_ReportsHeartbeat),
      agentDescription: { identifyingAttributes: kv({ 'service.name': 'poller' }), nonIdentifyingAttributes: kv({ 'os.type': 'linux' }) },
    });

  it('accepts gzip bodies, gzips responses when allowed, and keeps the agent between polls', async () => {
    server = await startTestServer();
    const res = await post(gzipSync(toBinary(AgentToServerSchema, full())), { 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    // fetch transparently decodes gzip; the reply is still a valid ServerToAgent.
    const s2a = fromBinary(ServerToAgentSchema, res.body);
    expect(s2a.instanceUid).toEqual(uid);
    expect(has(s2a.capabilities, ServerCapabilities.ServerCapabilities_AcceptsStatus)).toBe(true);
    const rec = server.registry.get(uidToString(uid))!;
    expect(rec.transport).toBe('http');
    expect(rec.connected).toBe(true); // still known and online after the request ended
    expect(rec.attributes['service.name']).toBe('poller');
  });

  it('compresses the response when the agent accepts gzip (raw socket view)', async () => {
    server = await startTestServer();
    const { request } = await import('node:http');
    const body = toBinary(AgentToServerSchema, full());
    const raw = await new Promise<{ encoding: string | undefined; data: Buffer }>((resolve, reject) => {
      const req = request(server!.opampUrl.http, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${ENROLLMENT_TOKEN}`, 'Accept-Encoding': 'gzip' },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], data: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    // Small replies are sent plain (gzip would grow them); the negotiation itself is unit-tested.
    const decoded = new Uint8Array(raw.encoding === 'gzip' ? gunzipSync(raw.data) : raw.data);
    expect(fromBinary(ServerToAgentSchema, decoded).instanceUid).toEqual(uid);
  });

  it('answers an undecodable body with 400 and an error_response', async () => {
    server = await startTestServer();
    const res = await post(Uint8Array.of(0xff, 0xff, 0xff), { 'OpAMP-Instance-UID': uidToString(uid) });
    expect(res.status).toBe(400);
    const s2a = fromBinary(ServerToAgentSchema, res.body);
    expect(s2a.errorResponse?.type).toBe(ServerErrorResponseType.ServerErrorResponseType_BadRequest);
    expect(s2a.instanceUid).toEqual(uid);
  });

  it('refuses a gzip bomb and oversize bodies with 413, wrong content types with 415', async () => {
    server = await startTestServer({ maxMessageBytes: 64 * 1024 });
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect((await post(bomb, { 'Content-Encoding': 'gzip' })).status).toBe(413);
    expect((await post(new Uint8Array(100 * 1024))).status).toBe(413);
    const res = await fetch(server.opampUrl.http, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ENROLLMENT_TOKEN}` },
      body: '{}',
    });
    expect(res.status).toBe(415);
  });

  it('refuses polls without a token (401) and beyond the poll rate (429 + Retry-After)', async () => {
    server = await startTestServer({ pollRate: 1, pollBurst: 1 });
    expect((await post(toBinary(AgentToServerSchema, full()), {}, null)).status).toBe(401);
    expect((await post(toBinary(AgentToServerSchema, full()))).status).toBe(200);
    const throttled = await post(toBinary(AgentToServerSchema, full()));
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('persistence', () => {
  it('keeps every reported agent across a restart and re-attaches them when they reconnect', async () => {
    const dir = tempDir();
    dirs.push(dir);
    server = await startTestServer({}, dir);
    const a = agent({ identifying: { 'service.name': 'restart-me' } });
    await a.start();
    await a.close();
    await server.stop();

    server = await startTestServer({}, dir);
    const known = server.registry.get(a.uidText);
    expect(known?.connected).toBe(false);
    expect(known?.attributes['service.name']).toBe('restart-me');

    const again = agent({ uid: a.uid, identifying: { 'service.name': 'restart-me' } });
    again.seq = a.seq;
    await again.connect();
    const reply = await again.heartbeat();
    expect(reply.flags & FULL_STATE).toBe(0n); // stored state is complete: no full-state storm after restart
    expect(server.registry.get(a.uidText)?.connected).toBe(true);
    expect(server.registry.size).toBe(1);
  });
});
