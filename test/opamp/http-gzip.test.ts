/**
 * Response compression of the plain-HTTP transport, on a real loopback HTTP server: a large
 * ServerToAgent is gzipped when Accept-Encoding allows it and sent plain when it does not.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { createServer, request, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerSchema, ServerToAgentSchema, type AgentToServer } from '../../src/gen/opamp/v1/opamp_pb.js';
import { HttpTransport } from '../../src/opamp/http-transport.js';
import type { OpampSession } from '../../src/opamp/session.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function start(): Promise<string> {
  const session = {
    handle: (_link: unknown, msg: AgentToServer) => [
      create(ServerToAgentSchema, {
        instanceUid: msg.instanceUid,
        customMessage: { capability: 'io.example.big', type: 'blob', data: Buffer.alloc(8192, 'x') },
      }),
    ],
  } as unknown as OpampSession;
  const transport = new HttpTransport(session, { onSent() {}, onMalformed() {}, onInternalError() {} }, { maxMessageBytes: 1 << 20 });
  server = createServer((req, res) => void transport.handle(req, res, { method: 'none' }));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}/v1/opamp`;
}

function postRaw(url: string, acceptEncoding: string | undefined): Promise<{ encoding: string | undefined; data: Buffer }> {
  const body = toBinary(AgentToServerSchema, create(AgentToServerSchema, { instanceUid: new Uint8Array(16).fill(1), capabilities: 1n }));
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf' };
    if (acceptEncoding) headers['Accept-Encoding'] = acceptEncoding;
    const req = request(url, { method: 'POST', headers });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], data: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP response compression', () => {
  it('gzips a large reply when the agent accepts gzip', async () => {
    const url = await start();
    const res = await postRaw(url, 'gzip, deflate');
    expect(res.encoding).toBe('gzip');
    expect(res.data.length).toBeLessThan(1024);
    const msg = fromBinary(ServerToAgentSchema, new Uint8Array(gunzipSync(res.data)));
    expect(msg.customMessage?.data.length).toBe(8192);
  });

  it('sends it plain when gzip is not accepted', async () => {
    const url = await start();
    for (const ae of [undefined, 'gzip;q=0', 'identity']) {
      const res = await postRaw(url, ae);
      expect(res.encoding).toBeUndefined();
      expect(fromBinary(ServerToAgentSchema, new Uint8Array(res.data)).customMessage?.data.length).toBe(8192);
    }
  });
});
