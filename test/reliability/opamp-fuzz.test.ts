/**
 * Bad input on the agent-facing side: at least 100,000 generated and mutated AgentToServer payloads.
 *
 * What runs where (honestly):
 * - 10,000 fast-check cases (odd but decodable messages, and mutated encodings, with shrinking) and
 *   86,000 bulk mutants (seeded PRNG over a corpus of the fast-check messages) go through the same
 *   code path the transports use, in-process: `stripWsHeader` / `decodeAgentToServer` and
 *   `OpampSession.handle` over the live server's fleet (registry, every offer provider and message
 *   hook), with recording links of both transport kinds;
 * - 6,000 go over real WebSocket connections and 2,000 as real HTTP POSTs to the listener.
 *
 * Throughout, a healthy agent heartbeats on its own socket and every heartbeat must be answered.
 * Every payload must be answered (error_response BadRequest for undecodable or invalid ones), or
 * the socket closed cleanly with a protocol close code; nothing may throw out of the session, log
 * an internal error, or answer HTTP 500. The heap after GC must stay within a fixed bound.
 */
import fc from 'fast-check';
import { fromBinary } from '@bufbuild/protobuf';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerErrorResponseType, ServerToAgentSchema, type ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import { OpampSession } from '../../src/opamp/session.js';
import { decodeAgentToServer, encodeServerToAgent, MalformedMessageError, stripWsHeader } from '../../src/opamp/wire.js';
import { createLogger } from '../../src/shared/log.js';
import { LogCapture } from '../support/creds.js';
import { mutatedEncodings, mutateWith, prng, RecordingLink, uidPool, validEncodings } from '../support/opamp-fuzz.js';
import { HeartbeatProbe, heapAfterGcMiB } from '../support/probes.js';
import { ENROLLMENT_TOKEN, startTestServer, type TestServer } from '../support/server.js';

const SEED = Number(process.env.AMPGATE_FUZZ_SEED ?? 20240601);
const MAX_MESSAGE = 256 * 1024;
const BAD_REQUEST = ServerErrorResponseType.ServerErrorResponseType_BadRequest;

let server: TestServer | undefined;
let probe: HeartbeatProbe | undefined;

afterEach(async () => {
  await probe?.stop();
  await server?.stop();
  probe = undefined;
  server = undefined;
});

interface Tally {
  answered: number;
  badRequest: number;
  malformed: number;
}

/** One payload through decode + session, as a transport does it. Throws on any server-side bug. */
function feed(session: OpampSession, link: RecordingLink, payload: Uint8Array, tally: Tally, wsFrame: boolean): void {
  let msg;
  try {
    msg = decodeAgentToServer(wsFrame ? stripWsHeader(payload) : payload);
  } catch (err) {
    if (!(err instanceof MalformedMessageError)) throw err;
    tally.malformed++;
    return;
  }
  const replies = session.handle(link, msg);
  if (replies.length === 0) throw new Error('an AgentToServer got no reply');
  for (const r of replies) encodeServerToAgent(r); // every reply must be encodable
  if (msg.instanceUid.length !== 16) {
    if (replies[0]!.errorResponse?.type !== BAD_REQUEST) throw new Error(`uid of ${msg.instanceUid.length} bytes was not refused`);
  }
  if (replies[0]!.errorResponse) tally.badRequest++;
  else tally.answered++;
}

async function overWebSocket(url: string, frames: Uint8Array[], closes: Map<number, number>): Promise<{ replies: number; unanswered: number }> {
  let ws: WebSocket | undefined;
  let replies = 0;
  let unanswered = 0;
  const open = async () => {
    const s = new WebSocket(url, { headers: { Authorization: `Bearer ${ENROLLMENT_TOKEN}` }, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      s.once('open', resolve);
      s.once('error', reject);
    });
    return s;
  };
  for (const [i, frame] of frames.entries()) {
    if (!ws || ws.readyState !== WebSocket.OPEN) ws = await open();
    const s = ws;
    const outcome = new Promise<'reply' | 'closed' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 10_000);
      const done = (v: 'reply' | 'closed') => {
        clearTimeout(timer);
        s.off('message', onMessage);
        s.off('close', onClose);
        resolve(v);
      };
      const onMessage = (data: Buffer) => {
        fromBinary(ServerToAgentSchema, new Uint8Array(data[0] === 0 ? data.subarray(1) : data)); // must decode
        done('reply');
      };
      const onClose = (code: number) => {
        closes.set(code, (closes.get(code) ?? 0) + 1);
        done('closed');
      };
      s.on('message', onMessage);
      s.once('close', onClose);
    });
    // Mostly framed with the 0x00 header; every 10th as a legacy header-less frame.
    s.send(i % 10 === 0 ? Buffer.from(frame) : Buffer.concat([Buffer.of(0), frame]), { binary: true });
    const r = await outcome;
    if (r === 'reply') replies++;
    if (r === 'timeout') unanswered++;
  }
  ws?.close();
  return { replies, unanswered };
}

async function overHttp(url: string, bodies: Uint8Array[], statuses: Map<number, number>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${ENROLLMENT_TOKEN}` },
        body,
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200 || res.status === 400) {
        const reply: ServerToAgent = fromBinary(ServerToAgentSchema, bytes);
        if (res.status === 400 && reply.errorResponse?.type !== BAD_REQUEST) throw new Error('HTTP 400 without error_response BadRequest');
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

describe('OpAMP bad input: generated and mutated AgentToServer payloads', () => {
  it('answers 100,000+ hostile payloads on both transports without a crash, bounded memory, and a healthy agent keeps working', {
    timeout: 180_000,
  }, async () => {
    const logs = new LogCapture();
    server = await startTestServer({ maxMessageBytes: MAX_MESSAGE, logLevel: 'warn' }, undefined, { logger: createLogger('warn', logs) });
    probe = new HeartbeatProbe(server.opampUrl.ws);
    await probe.start(100);
    const heapBefore = heapAfterGcMiB();

    const pool = uidPool(64);
    const session = new OpampSession(server.fleet);
    const tally: Tally = { answered: 0, badRequest: 0, malformed: 0 };
    const corpus: Uint8Array[] = [];
    let direct = 0;
    const links = [new RecordingLink('ws'), new RecordingLink('http')];
    const property = (arb: fc.Arbitrary<Uint8Array>, runs: number, seed: number) =>
      fc.assert(
        fc.asyncProperty(arb, async (bytes) => {
          // Huge messages (thousands of attributes) are fed here, not multiplied in the bulk phase.
          if (corpus.length < 4_000 && bytes.length <= 16 * 1024) corpus.push(bytes);
          feed(session, links[direct % 2]!, bytes, tally, direct % 2 === 0);
          if (++direct % 500 === 0) await new Promise((r) => setImmediate(r)); // let the probe's heartbeats through
        }),
        { numRuns: runs, seed },
      );

    const phases: Record<string, number> = {};
    let t = performance.now();
    const lap = (name: string) => {
      phases[name] = Math.round(performance.now() - t);
      t = performance.now();
    };
    // 1. fast-check: odd but decodable messages, then mutated encodings (shrunk on failure).
    await property(validEncodings(pool), 5_000, SEED);
    lap('fast-check valid');
    await property(mutatedEncodings(pool), 5_000, SEED + 1);
    lap('fast-check mutated');

    // 2. Bulk: 86,000 mutants of the corpus (seeded PRNG), same code path.
    const rand = prng(SEED);
    for (let i = 0; i < 86_000; i++) {
      feed(session, links[i % 2]!, mutateWith(corpus[rand() % corpus.length]!, rand), tally, i % 2 === 0);
      direct++;
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    for (const l of links) session.linkClosed(l);
    lap('bulk');

    // 3. Real sockets: 6,000 WebSocket frames, 2,000 HTTP POSTs (valid and mutated, one text frame in 500).
    const socketRand = prng(SEED + 2);
    const sample = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        i % 3 === 0 ? corpus[socketRand() % corpus.length]! : mutateWith(corpus[socketRand() % corpus.length]!, socketRand),
      );
    const closes = new Map<number, number>();
    const ws = await overWebSocket(server.opampUrl.ws, sample(6_000), closes);
    lap('websocket');
    const statuses = new Map<number, number>();
    await overHttp(server.opampUrl.http, sample(2_000), statuses);
    lap('http');

    const total = direct + 6_000 + 2_000;
    const heapAfter = heapAfterGcMiB();
    const health = await probe.stop();
    probe = undefined;
    const report = {
      phases,
      total,
      direct,
      tally,
      ws,
      closes: Object.fromEntries(closes),
      http: Object.fromEntries(statuses),
      heapBefore,
      heapAfter,
      agents: server.registry.size,
      health: health.answered,
    };
    console.log('opamp fuzz', JSON.stringify(report));

    expect(total).toBeGreaterThanOrEqual(100_000);
    expect(tally.malformed).toBeGreaterThan(10_000); // the mutations really produce undecodable input
    expect(tally.answered).toBeGreaterThan(10_000); // ...and plenty that reaches the session
    expect(ws.unanswered).toBe(0);
    for (const code of closes.keys()) expect([1002, 1003, 1009]).toContain(code); // clean protocol closes only
    for (const status of statuses.keys()) expect([200, 400, 413]).toContain(status);
    expect(health.failures).toEqual([]);
    expect(health.answered).toBeGreaterThan(10);
    expect(logs.lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([]); // no internal errors
    // Bounded: a fixed allowance for the agent records the payloads legitimately create (fresh
    // uids, re-keys); a per-message leak over 100k messages would exceed it.
    expect(heapAfter - heapBefore).toBeLessThan(200);
    // The server still answers on both listeners.
    expect((await fetch(`${server.controlUrl}/healthz`)).status).toBe(200);
  });
});
