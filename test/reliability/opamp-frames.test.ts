/**
 * Bad input below the protobuf layer, over real sockets: truncated and lying WebSocket frames,
 * oversize frames, text and reserved-opcode frames, unmasked frames, garbage after the handshake;
 * plain-HTTP bodies with wrong content types and methods, oversize and truncated bodies, gzip
 * bombs, broken gzip and unknown encodings. Each gets a 4xx, error_response BadRequest or a clean
 * close, a healthy agent's heartbeats are answered throughout, and no agent record is created.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { request } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentToServerSchema, ServerErrorResponseType, ServerToAgentSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { createLogger } from '../../src/shared/log.js';
import { LogCapture } from '../support/creds.js';
import { HeartbeatProbe, heapAfterGcMiB } from '../support/probes.js';
import { clientFrame, rawWebSocket, serverCloseCode } from '../support/raw-ws.js';
import { ENROLLMENT_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';

const MAX = 64 * 1024;
const AUTH = { Authorization: `Bearer ${ENROLLMENT_TOKEN}` };
const PROTO = 'application/x-protobuf';

let server: TestServer;
let probe: HeartbeatProbe;
let logs: LogCapture;
/** Agents a test registered on purpose (besides the probe). */
let pollingAgents = 0;

beforeEach(async () => {
  logs = new LogCapture();
  server = await startTestServer({ maxMessageBytes: MAX, logLevel: 'warn' }, undefined, { logger: createLogger('warn', logs) });
  probe = new HeartbeatProbe(server.opampUrl.ws);
  await probe.start(50);
});

afterEach(async () => {
  const health = await probe.stop();
  expect(health.failures).toEqual([]);
  expect(health.answered).toBeGreaterThan(0);
  // Nothing hostile became an agent: only the probe is known.
  expect(server.registry.size).toBe(1 + pollingAgents);
  pollingAgents = 0;
  expect(logs.lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  await server.stop();
});

function validMessage(): Uint8Array {
  return toBinary(AgentToServerSchema, create(AgentToServerSchema, { instanceUid: new Uint8Array(16).fill(7), sequenceNum: 1n }));
}

/** A WebSocket whose close code we wait for. */
async function wsClose(send: (ws: WebSocket) => void): Promise<{ code: number; replies: Buffer[] }> {
  const ws = new WebSocket(server.opampUrl.ws, { headers: AUTH, perMessageDeflate: false, maxPayload: 1 << 20 });
  const replies: Buffer[] = [];
  ws.on('message', (d: Buffer) => replies.push(d));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => {});
  send(ws);
  return { code: await closed, replies };
}

function post(
  headers: Record<string, string | number>,
  body: Buffer | undefined,
  method = 'POST',
  path = new URL(server.opampUrl.http).pathname,
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  const url = new URL(server.opampUrl.http);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers: { ...AUTH, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('WebSocket framing attacks', () => {
  it('closes oversize (1009), text (1003) and persistently malformed (1002) streams, and answers an empty frame with BadRequest', async () => {
    expect((await wsClose((ws) => ws.send(Buffer.alloc(MAX + 10, 1)))).code).toBe(1009);
    expect((await wsClose((ws) => ws.send('hello'))).code).toBe(1003);
    const garbage = await wsClose((ws) => {
      for (let i = 0; i < 20; i++) ws.send(Buffer.from([0, 0xff, 0xff, 0xff]));
    });
    expect(garbage.code).toBe(1002);
    expect(garbage.replies.length).toBe(16); // each malformed frame was answered before the close
    for (const r of garbage.replies)
      expect(fromBinary(ServerToAgentSchema, new Uint8Array(r.subarray(1))).errorResponse?.type).toBe(
        ServerErrorResponseType.ServerErrorResponseType_BadRequest,
      );

    const ws = new WebSocket(server.opampUrl.ws, { headers: AUTH, perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<Buffer>((r) => ws.once('message', r));
    ws.send(Buffer.alloc(0));
    expect(fromBinary(ServerToAgentSchema, new Uint8Array((await reply).subarray(1))).errorResponse?.errorMessage).toMatch(/empty/);
    ws.close();
  });

  it('survives truncated frames, lying length fields, unmasked and reserved-opcode frames and garbage', async () => {
    const cases: Array<{ name: string; bytes: Buffer; expect: number[] | 'closed' }> = [
      { name: 'truncated frame, then FIN', bytes: clientFrame(2, Buffer.concat([Buffer.of(0), validMessage()])).subarray(0, 9), expect: 'closed' },
      { name: 'length 2^63-1', bytes: clientFrame(2, Buffer.alloc(4), { declaredLength: 2n ** 63n - 1n }), expect: [1009, 1002] },
      { name: 'length just above the limit', bytes: clientFrame(2, Buffer.alloc(16), { declaredLength: BigInt(MAX + 1) }), expect: [1009] },
      { name: 'unmasked client frame', bytes: clientFrame(2, Buffer.concat([Buffer.of(0), validMessage()]), { masked: false }), expect: [1002] },
      { name: 'reserved opcode 0x3', bytes: clientFrame(3, Buffer.alloc(4)), expect: [1002] },
      { name: 'continuation without a start', bytes: clientFrame(0, Buffer.alloc(4)), expect: [1002] },
      { name: 'fragmented control frame', bytes: clientFrame(9, Buffer.alloc(4), { fin: false }), expect: [1002] },
      { name: 'random garbage', bytes: Buffer.from('GET / HTTP/1.1\r\n\r\n\x00\xff\xfe garbage'), expect: [1002] },
    ];
    for (const c of cases) {
      const raw = await rawWebSocket(server.opampUrl.ws, AUTH);
      raw.socket.write(c.bytes);
      if (c.expect === 'closed') raw.socket.end();
      await raw.ended;
      if (c.expect !== 'closed') expect(c.expect, c.name).toContain(serverCloseCode(raw.received()));
    }
    // Fragmented messages whose total exceeds the limit are refused too.
    const frag = await rawWebSocket(server.opampUrl.ws, AUTH);
    frag.socket.write(
      Buffer.concat([
        clientFrame(2, Buffer.alloc(MAX / 2), { fin: false }),
        clientFrame(0, Buffer.alloc(MAX / 2), { fin: false }),
        clientFrame(0, Buffer.alloc(100)),
      ]),
    );
    await frag.ended;
    expect(serverCloseCode(frag.received())).toBe(1009);
    await eventually(() => server.registry.connectedCount === 1);
  });

  it('answers a malformed HTTP request and a bad upgrade with 400 and keeps the listener up', async () => {
    const url = new URL(server.opampUrl.ws);
    for (const bytes of [
      '\x16\x03\x01 not http\r\n\r\n',
      `GET ${url.pathname} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nAuthorization: Bearer ${ENROLLMENT_TOKEN}\r\n\r\n`,
    ]) {
      const text = await new Promise<string>((resolve) => {
        const s = connect(Number(url.port), url.hostname, () => s.write(bytes));
        let out = '';
        s.on('data', (d) => (out += d.toString('latin1')));
        s.on('close', () => resolve(out));
        s.on('error', () => {});
        setTimeout(() => s.end(), 500).unref();
      });
      expect(text).toMatch(/^HTTP\/1\.1 400/);
    }
  });
});

describe('plain-HTTP attacks', () => {
  it('refuses wrong methods, content types and paths with 405/415/404 before reading the body', async () => {
    expect((await post({ 'Content-Type': 'text/plain' }, Buffer.from(validMessage()))).status).toBe(415);
    expect((await post({ 'Content-Type': 'application/json' }, Buffer.from('{}'))).status).toBe(415);
    expect((await post({}, Buffer.from(validMessage()))).status).toBe(415);
    expect((await post({ 'Content-Type': PROTO }, undefined, 'GET')).status).toBe(405);
    expect((await post({ 'Content-Type': PROTO }, undefined, 'PUT')).status).toBe(405);
    expect((await post({ 'Content-Type': PROTO }, Buffer.from(validMessage()), 'POST', '/v1/other')).status).toBe(404);
  });

  it('answers oversize (413), broken (400) and unknown encodings (400), and stops a gzip bomb early', async () => {
    expect((await post({ 'Content-Type': PROTO }, Buffer.alloc(MAX + 1, 1))).status).toBe(413);
    expect((await post({ 'Content-Type': PROTO, 'Transfer-Encoding': 'chunked' }, Buffer.alloc(MAX * 3, 1))).status).toBe(413);
    const garbage = await post({ 'Content-Type': PROTO }, Buffer.from([0xff, 0xff, 0xff]));
    expect(garbage.status).toBe(400);
    expect(fromBinary(ServerToAgentSchema, new Uint8Array(garbage.body)).errorResponse?.type).toBe(ServerErrorResponseType.ServerErrorResponseType_BadRequest);
    expect((await post({ 'Content-Type': PROTO, 'Content-Encoding': 'gzip' }, Buffer.from('not gzip at all'))).status).toBe(400);
    expect((await post({ 'Content-Type': PROTO, 'Content-Encoding': 'br' }, Buffer.from(validMessage()))).status).toBe(400);
    // gzip of a truncated stream
    expect((await post({ 'Content-Type': PROTO, 'Content-Encoding': 'gzip' }, gzipSync(validMessage()).subarray(0, 12))).status).toBe(400);

    // A 64 MiB bomb (about 64 KiB compressed) against a 64 KiB limit: refused without inflating it all.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const heapBefore = heapAfterGcMiB();
    const results = await Promise.all(Array.from({ length: 8 }, () => post({ 'Content-Type': PROTO, 'Content-Encoding': 'gzip' }, bomb)));
    for (const r of results) expect(r.status).toBe(413);
    expect(heapAfterGcMiB() - heapBefore).toBeLessThan(32);
  });

  it('copes with a body cut short and a client that disappears mid-request', async () => {
    const url = new URL(server.opampUrl.http);
    for (const declared of [100, 1_000_000]) {
      await new Promise<void>((resolve) => {
        const s = connect(Number(url.port), url.hostname, () => {
          s.write(
            `POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: ${PROTO}\r\nAuthorization: Bearer ${ENROLLMENT_TOKEN}\r\nContent-Length: ` +
              `${declared}\r\n\r\n\x0a\x10`,
          );
          setTimeout(() => s.destroy(), 50);
        });
        s.on('close', () => resolve());
        s.on('error', () => {});
      });
    }
    // Still serving polls.
    const ok = await post({ 'Content-Type': PROTO }, Buffer.from(validMessage()));
    expect(ok.status).toBe(200);
    pollingAgents = 1;
  });
});
