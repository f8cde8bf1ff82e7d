/**
 * Limits, configurable through AMPGATE_* settings: connections per source address on the OpAMP
 * listener (429 + Retry-After; other addresses unaffected; dropped beyond twice the limit) and
 * requests per API token on the control plane (429 + Retry-After; other tokens unaffected). The
 * message-size limit is exercised in opamp-frames.test.ts (WebSocket 1009, HTTP 413).
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { createLogger } from '../../src/shared/log.js';
import { newUuidV7Bytes } from '../../src/protocol/uid.js';
import { LogCapture } from '../support/creds.js';
import { ADMIN_TOKEN, ENROLLMENT_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

let server: TestServer | undefined;
const agents: TestAgent[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
});

function agent(localAddress?: string): TestAgent {
  const a = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, wsOptions: localAddress ? { localAddress } : undefined });
  agents.push(a);
  return a;
}

function poll(localAddress?: string): Promise<{ status: number; retryAfter: string | undefined }> {
  const url = new URL(server!.opampUrl.http);
  const body = toBinary(AgentToServerSchema, create(AgentToServerSchema, { instanceUid: newUuidV7Bytes(), sequenceNum: 1n }));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${ENROLLMENT_TOKEN}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('connections per source address (AMPGATE_MAX_CONNECTIONS_PER_SOURCE)', () => {
  it('reads the settings from the environment', () => {
    const s = loadSettings({ AMPGATE_MAX_CONNECTIONS_PER_SOURCE: '7', AMPGATE_API_RATE: '3', AMPGATE_API_BURST: '9' });
    expect(s).toMatchObject({ maxConnectionsPerSource: 7, apiRate: 3, apiBurst: 9 });
    expect(loadSettings({})).toMatchObject({ maxConnectionsPerSource: 1000, apiRate: 100, apiBurst: 300 });
  });

  it('refuses an address over its limit with 429 + Retry-After, leaves other addresses alone, and admits it again when it closes some', async () => {
    const logs = new LogCapture();
    server = await startTestServer({ maxConnectionsPerSource: 3, logLevel: 'warn' }, undefined, { logger: createLogger('warn', logs) });
    for (let i = 0; i < 3; i++) await agent().start();
    const refused = await agent()
      .connect()
      .catch((err: { status?: number; headers?: Record<string, string> }) => err);
    expect(refused).toMatchObject({ status: 429 });
    expect(Number((refused as { headers: Record<string, string> }).headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const p = await poll();
    expect(p.status).toBe(429);
    expect(Number(p.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(logs.text()).toContain('AMPGATE_MAX_CONNECTIONS_PER_SOURCE');

    // Another source address (Linux routes all of 127/8 to loopback) is not affected.
    const other = agent('127.0.0.2');
    await other.start();
    expect((await poll('127.0.0.2')).status).toBe(200);

    // The connected agents keep working, and closing one lets a new one in.
    expect((await agents[0]!.heartbeat()).errorResponse).toBeUndefined();
    await agents[1]!.close();
    await eventually(async () => (await poll()).status === 200);
    const metrics = await (await fetch(`${server.controlUrl}/metrics`)).text();
    expect(metrics).toMatch(/ampgate_opamp_rejected_requests_total\{reason="source_limit"\} [1-9]/);
  });

  it('drops connections from an address beyond twice its limit at accept', async () => {
    server = await startTestServer({ maxConnectionsPerSource: 2 });
    const url = new URL(server.opampUrl.ws);
    const closed: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const s = connect(Number(url.port), url.hostname);
      sockets.push(s);
      s.on('error', () => {});
      const index = i;
      closed[index] = false;
      s.on('close', () => (closed[index] = true));
      await new Promise((r) => s.once('connect', r));
    }
    await eventually(() => closed[4] && closed[5]);
    expect(closed.slice(0, 4)).toEqual([false, false, false, false]);
  });

  it('is off with 0', async () => {
    server = await startTestServer({ maxConnectionsPerSource: 0 });
    for (let i = 0; i < 5; i++) await agent().start();
    expect((await poll()).status).toBe(200);
  });
});

describe('requests per API token (AMPGATE_API_RATE, AMPGATE_API_BURST)', () => {
  it('answers a token over its rate with 429 + Retry-After and leaves other tokens alone', async () => {
    server = await startTestServer({ apiRate: 2, apiBurst: 5 });
    const other = (await server.api<{ secret: string }>('POST', '/api/tokens', { name: 'other', role: 'viewer' })).body.secret;
    const statuses: number[] = [];
    let last: { status: number; body: unknown; headers: Headers } | undefined;
    for (let i = 0; i < 8; i++) {
      last = await server.api('GET', '/api/agents');
      statuses.push(last.status);
    }
    // Two requests went into the burst before (token creation); the rest of it is used here.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(last!.body).toMatchObject({ error: { code: 'too_many_requests', message: expect.stringMatching(/AMPGATE_API_RATE/) } });
    expect((await server.api('GET', '/api/agents', undefined, other)).status).toBe(200);
    // MCP calls with the limited token are limited too.
    const mcp = await fetch(`${server.controlUrl}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(mcp.status).toBe(429);
    // Unauthenticated requests are not counted against anyone and still get 401.
    expect((await server.api('GET', '/api/agents', undefined, null)).status).toBe(401);
    // The bucket refills.
    await eventually(async () => (await server!.api('GET', '/api/agents')).status === 200, 5_000, 200);
  });

  it('is off with 0', async () => {
    server = await startTestServer({ apiRate: 0 });
    for (let i = 0; i < 50; i++) expect((await server.api('GET', '/api/whoami')).status).toBe(200);
  });
});
