/**
 * @module A wire process: the WebSocket side of agent connections, in a child process of
 * `ampgate serve` (AMPGATE_WIRE_PROCESSES; ws-relay.ts starts it). The main process
 * authenticates and admits each upgrade request, then hands the socket over; here the handshake
 * is completed, frames are parsed and written, sockets are pinged and slow consumers dropped. What
 * the agents say goes to the main process, which decodes and answers it, in one IPC message per
 * event-loop turn. It holds no OpAMP state: when it dies its agents reconnect.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { PingSlices, type Pingable } from './ping-slices.js';
import { withWsHeader } from './ws-header.js';
import type { AdoptMessage, DropReason, InBatch, OutBatch, ReadyMessage, ToWire, WireOptions } from './ws-relay-protocol.js';

class Conn implements Pingable {
  alive = true;
  constructor(
    readonly id: number,
    readonly ws: WebSocket,
  ) {}
  ping(): void {
    this.ws.ping();
  }
  drop(): void {
    dropped(this.id, 'ping_timeout');
    this.ws.terminate();
  }
}

const send = process.send?.bind(process);
if (!send) throw new Error('ws-relay-child runs as a child process of ampgate serve (AMPGATE_WIRE_PROCESSES)');
const opts = JSON.parse(process.argv[2] ?? '{}') as WireOptions;
const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
const conns = new Map<number, Conn>();
const pings = new PingSlices<Conn>(opts.pingIntervalMs);
let batch: { frames: Array<number | Uint8Array>; dropped: Array<number | DropReason>; closed: number[] } | undefined;
let shuttingDown = false;

function pending(): NonNullable<typeof batch> {
  if (batch === undefined) {
    batch = { frames: [], dropped: [], closed: [] };
    setImmediate(flush);
  }
  return batch;
}

function flush(): void {
  const b = batch;
  batch = undefined;
  if (b === undefined || !process.connected) return;
  const msg: InBatch = { t: 'in', ...b };
  send?.(msg);
}

function dropped(id: number, reason: DropReason): void {
  pending().dropped.push(id, reason);
}

function adopt(m: AdoptMessage, socket: Socket | undefined): void {
  if (socket === undefined) {
    pending().closed.push(m.id);
    return;
  }
  let attached = false;
  socket.once('close', () => {
    if (!attached) pending().closed.push(m.id);
  });
  socket.on('error', () => socket.destroy());
  // `ws` reads the method, url and handshake headers of the request; the rest of it stayed in the main process.
  const req = { method: m.method, url: m.url, headers: m.headers, socket } as unknown as IncomingMessage;
  wss.handleUpgrade(req, socket, Buffer.from(m.head), (ws) => {
    attached = true;
    attach(m.id, ws);
  });
}

function attach(id: number, ws: WebSocket): void {
  const conn = new Conn(id, ws);
  conns.set(id, conn);
  pings.add(conn);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    conn.alive = true;
    if (!isBinary) {
      dropped(id, 'text_frame');
      ws.close(1003, 'OpAMP uses binary frames only');
      return;
    }
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    pending().frames.push(id, frame);
  });
  ws.on('pong', () => {
    conn.alive = true;
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    conns.delete(id);
    pings.delete(conn);
    pending().closed.push(id);
    if (shuttingDown && conns.size === 0) finish();
  });
}

function deliver(m: OutBatch): void {
  const { frames, close } = m;
  for (let i = 0; i < frames.length; i += 2) {
    const conn = conns.get(frames[i] as number);
    if (conn === undefined || conn.ws.readyState !== conn.ws.OPEN) continue;
    if (conn.ws.bufferedAmount > opts.maxBufferedBytes) {
      // The agent does not read: drop it rather than buffer an unbounded backlog; it reconnects.
      dropped(conn.id, 'slow_consumer');
      conn.ws.terminate();
      continue;
    }
    conn.ws.send(withWsHeader(frames[i + 1] as Uint8Array));
  }
  for (let i = 0; i < close.length; i += 3) {
    const ws = conns.get(close[i] as number)?.ws;
    if (ws && (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)) ws.close(close[i + 1] as number, close[i + 2] as string);
  }
}

function shutdown(graceMs: number): void {
  shuttingDown = true;
  pings.stop();
  if (conns.size === 0) return finish();
  for (const c of conns.values()) c.ws.close(1001, 'server shutting down');
  setTimeout(() => {
    for (const c of conns.values()) c.ws.terminate();
    setTimeout(finish, 50).unref();
  }, graceMs).unref();
}

function finish(): void {
  flush();
  if (!process.connected) process.exit(0);
  // Exit once the last batch is written to the channel.
  send?.({ t: 'in', frames: [], dropped: [], closed: [] } satisfies InBatch, () => process.exit(0));
}

process.on('message', (m: ToWire, handle: unknown) => {
  if (m.t === 'out') deliver(m);
  else if (m.t === 'adopt') adopt(m, handle as Socket | undefined);
  else if (m.t === 'shutdown') shutdown(m.graceMs);
});
// The main process is gone: nobody can answer these agents any more.
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' } satisfies ReadyMessage);
