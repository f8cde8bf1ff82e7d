/**
 * Denial of service through slow or large requests, bounded in time and count:
 * - control plane: credentials are checked on the headers, before a body is read; slow bodies
 *   and slow headers are cut off (408); connections are capped; bodies are capped per route;
 * - agent listener: a global in-flight byte budget for plain-HTTP bodies (503 + Retry-After), a
 *   body deadline (408), and bounds on agent attributes answered with a clear BadRequest.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { newUuidV7Bytes } from '../../src/protocol/uid.js';
import type { SettingsInput } from '../../src/config.js';
import { httpPoll } from '../support/creds.js';
import { ADMIN_TOKEN, ENROLLMENT_TOKEN, eventually, removeDir, startTestServer, type TestServer } from '../support/server.js';
import { sign } from '../support/slack.js';
import { TestAgent } from '../support/ws-agent.js';

let server: TestServer | undefined;
const sockets: Socket[] = [];
const agents: TestAgent[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
});

interface Raw {
  readonly socket: Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the server closed the connection (ms after opening). */
  readonly closed: Promise<number>;
}

/**
 * A raw HTTP/1.1 request: the head, then `body` (possibly only the start of what Content-Length
 * promises). With `endHead` false the head is left unfinished (a slow-headers client).
 */
function raw(url: string, head: string[], body: Buffer | string = '', endHead = true): Promise<Raw> {
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  sockets.push(socket);
  let received = '';
  const opened = Date.now();
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.write(`${head.join('\r\n')}\r\n${endHead ? '\r\n' : ''}`);
      if (body.length > 0) socket.write(body);
      resolve({ socket, text: () => received, closed });
    });
  });
}

const status = (r: Raw) => Number(/^HTTP\/1\.1 (\d{3})/.exec(r.text())?.[1] ?? 0);

async function start(overrides: Partial<SettingsInput>): Promise<TestServer> {
  server = await startTestServer({ logLevel: 'silent', ...overrides });
  return server;
}

describe('control plane', () => {
  it('refuses unauthenticated requests on their headers, before reading the body, and closes the connection', async () => {
    const s = await start({ slackBotToken: 'xoxb-dos', slackSigningSecret: 'dos-signing-secret-0123456789', controlRequestTimeoutMs: 60_000 });
    const host = new URL(s.controlUrl).host;
    const big = (path: string, extra: string[] = []) =>
      raw(
        s.controlUrl,
        [`POST ${path} HTTP/1.1`, `Host: ${host}`, 'Content-Type: application/json', `Content-Length: ${8 * 1024 * 1024}`, ...extra],
        '{"kind":',
      );
    for (const r of [await big('/api/changes'), await big('/api/configs', ['Authorization: Bearer nope']), await big('/mcp'), await big('/slack/events')]) {
      const ms = await r.closed;
      expect(status(r)).toBe(401);
      expect(ms).toBeLessThan(5_000); // not after 8 MiB, not after a timeout
    }
  });

  it('cuts off slow bodies and slow headers (408 / close), caps connections and keeps answering', async () => {
    const s = await start({
      controlRequestTimeoutMs: 800,
      controlHeadersTimeoutMs: 500,
      controlMaxConnections: 20,
      slackBotToken: 'xoxb-dos',
      slackSigningSecret: 'dos-signing-secret-0123456789',
    });
    const host = new URL(s.controlUrl).host;
    // Authenticated, but the body trickles: cut off.
    const slow = await raw(
      s.controlUrl,
      ['POST /api/changes HTTP/1.1', `Host: ${host}`, `Authorization: Bearer ${ADMIN_TOKEN}`, 'Content-Type: application/json', 'Content-Length: 100000'],
      '{"kind":"restart"',
    );
    // Slack with well-formed signature headers: the body must still arrive in time.
    const ts = Math.floor(Date.now() / 1000);
    const slackSlow = await raw(
      s.controlUrl,
      [
        'POST /slack/events HTTP/1.1',
        `Host: ${host}`,
        'Content-Type: application/json',
        'Content-Length: 100000',
        ...Object.entries(sign('{}', ts)).map(([k, v]) => `${k}: ${v}`),
      ],
      '{"type":',
    );
    const timer = setInterval(() => {
      slow.socket.write(' ');
      slackSlow.socket.write(' ');
    }, 100);
    try {
      expect(await slow.closed).toBeLessThan(5_000);
      expect(await slackSlow.closed).toBeLessThan(5_000);
    } finally {
      clearInterval(timer);
    }
    expect(status(slow)).toBe(408);

    // 40 connections that never finish their headers: at most 20 are held, and those only until the headers deadline.
    const idle = await Promise.all(Array.from({ length: 40 }, () => raw(s.controlUrl, ['GET /healthz HTTP/1.1', `Host: ${host}`], '', false)));
    const times = await Promise.all(idle.map((r) => r.closed));
    expect(times.every((t) => t < 5_000)).toBe(true);
    expect(times.filter((t) => t < 300).length).toBeGreaterThanOrEqual(15); // beyond the cap: closed at once
    const res = await fetch(`${s.controlUrl}/healthz`);
    expect(res.status).toBe(200);
  });

  it('caps request bodies per route (413)', async () => {
    const s = await start({});
    const pad = 'x'.repeat(100 * 1024);
    expect((await s.api('POST', '/api/tokens', { name: 'big', role: 'viewer', pad })).status).toBe(413);
    expect((await s.api(`POST`, '/api/changes/1/approve', { comment: pad })).status).toBe(413);
    // A proposal may carry a long uid list (up to 4 MiB), a config body up to its own limit.
    const uids = Array.from({ length: 20_000 }, () => '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70');
    expect((await s.api('POST', '/api/changes', { kind: 'restart', target: { agents: uids }, params: {}, reason: 'many' })).status).toBe(422);
  });
});

describe('agent listener', () => {
  function pollHead(s: TestServer, length: number): string[] {
    return [
      'POST /v1/opamp HTTP/1.1',
      `Host: ${new URL(s.opampUrl.http).host}`,
      `Authorization: Bearer ${ENROLLMENT_TOKEN}`,
      'Content-Type: application/x-protobuf',
      `Content-Length: ${length}`,
    ];
  }

  it('holds at most the in-flight budget of poll bodies (503 + Retry-After beyond it) and cuts off slow bodies (408)', async () => {
    const s = await start({ agentInFlightBytes: 1024 * 1024, agentBodyTimeoutMs: 1_500, maxMessageBytes: 4 * 1024 * 1024 });
    // Each poll promises 600 KiB and sends 400 KiB: two fit into the 1 MiB budget, the others do not.
    const part = Buffer.alloc(400 * 1024, 1);
    const held: Raw[] = [];
    for (let i = 0; i < 4; i++) {
      held.push(await raw(s.opampUrl.http, pollHead(s, 600 * 1024), part));
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually(() => held.filter((r) => status(r) === 503).length >= 2, 5_000);
    const refused = held.filter((r) => status(r) === 503);
    for (const r of refused) expect(r.text()).toMatch(/Retry-After: \d+/i);
    // The rest were held within the budget and are cut off by the body deadline.
    const times = await Promise.all(held.map((r) => r.closed));
    expect(times.every((t) => t < 6_000)).toBe(true);
    expect(held.filter((r) => status(r) === 408).length).toBe(4 - refused.length);
    // Nothing stays reserved: a normal poll works.
    const ok = await httpPoll(s.opampUrl.http, undefined, ENROLLMENT_TOKEN, { instanceUid: newUuidV7Bytes(), sequenceNum: 1n });
    expect(ok.status).toBe(200);
    const metrics = await fetch(`${s.controlUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/reason="inflight_budget"\} [1-9]/);
    expect(metrics).toMatch(/reason="body_timeout"\} [1-9]/);
  }, 20_000);

  it('refuses agent descriptions beyond the attribute bounds with a BadRequest naming the setting; the stored record is untouched', async () => {
    const s = await start({ maxAgentAttributes: 50, maxAgentAttributeBytes: 1024, maxAgentDescriptionBytes: 8 * 1024 });
    const agent = new TestAgent({ url: s.opampUrl.ws, token: ENROLLMENT_TOKEN, identifying: { 'service.name': 'checkout' } });
    agents.push(agent);
    await agent.start();
    const many: Record<string, string> = {};
    for (let i = 0; i < 60; i++) many[`k${i}`] = 'v';
    const desc = (nonIdentifying: Record<string, string>) => ({
      agentDescription: {
        identifyingAttributes: [{ key: 'service.name', value: { value: { case: 'stringValue' as const, value: 'forged' } } }],
        nonIdentifyingAttributes: Object.entries(nonIdentifying).map(([key, v]) => ({ key, value: { value: { case: 'stringValue' as const, value: v } } })),
      },
    });
    const tooMany = await agent.send(desc(many) as never);
    expect(tooMany.errorResponse?.errorMessage).toMatch(/61 attributes.*at most 50.*AMPGATE_MAX_AGENT_ATTRIBUTES/);
    const tooBig = await agent.send(desc({ blob: 'x'.repeat(2000) }) as never);
    expect(tooBig.errorResponse?.errorMessage).toMatch(/"blob" is \d+ bytes.*AMPGATE_MAX_AGENT_ATTRIBUTE_BYTES/);
    const total: Record<string, string> = {};
    for (let i = 0; i < 10; i++) total[`k${i}`] = 'y'.repeat(1000);
    expect((await agent.send(desc(total) as never)).errorResponse?.errorMessage).toMatch(/AMPGATE_MAX_AGENT_DESCRIPTION_BYTES/);
    const view = await s.api<{ identifyingAttributes: Record<string, string> }>('GET', `/api/agents/${agent.uidText}`);
    expect(view.body.identifyingAttributes).toEqual({ 'service.name': 'checkout' });
    // Over plain HTTP too.
    const body = create(AgentToServerSchema, { instanceUid: newUuidV7Bytes(), sequenceNum: 1n, ...desc(many) } as never);
    const r = await httpPoll(s.opampUrl.http, undefined, ENROLLMENT_TOKEN, body as never);
    expect(r.reply?.errorResponse?.errorMessage).toMatch(/AMPGATE_MAX_AGENT_ATTRIBUTES/);
    expect(toBinary(AgentToServerSchema, body).length).toBeGreaterThan(0);
    expect((await agent.heartbeat()).errorResponse).toBeUndefined();
  });
});
