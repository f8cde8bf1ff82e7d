/**
 * @module A wire process: the WebSocket side of agent connections, in a child process of
 * `ampgate serve` (AMPGATE_WIRE_PROCESSES; ws-relay.ts starts it). The main process
 * authenticates and admits each upgrade request, then hands the socket over; here the handshake
 * is completed, frames are parsed and written, sockets are pinged and slow consumers dropped. What
 * the agents say goes to the main process, which decodes and answers it, over the data pipe
 * (ws-relay-pipe.ts, fd 4), batched per event-loop turn. It holds no OpAMP state: when it dies its
 * agents reconnect.
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { PingSlices, type Pingable } from './ping-slices.js';
import { DROP_CODES, type DropReason, readRecords, Rec, RecordWriter } from './ws-relay-pipe.js';
import type { AdoptMessage, ReadyMessage, ToWire, WireOptions } from './ws-relay-protocol.js';

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
/** The data pipe to the main process (the fifth stdio entry of fork). */
const pipe = new Socket({ fd: 4, readable: true, writable: true });
pipe.on('error', () => process.exit(0));
const toMain = new RecordWriter(pipe);
let shuttingDown = false;

function dropped(id: number, reason: DropReason): void {
  toMain.add(Rec.Dropped, id, Uint8Array.of(DROP_CODES.indexOf(reason)));
}

function closed(id: number): void {
  toMain.add(Rec.Closed, id);
}

function adopt(m: AdoptMessage, socket: Socket | undefined): void {
  if (socket === undefined) return closed(m.id);
  let attached = false;
  socket.once('close', () => {
    if (!attached) closed(m.id);
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
    toMain.add(Rec.Frame, id, frame);
  });
  ws.on('pong', () => {
    conn.alive = true;
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    conns.delete(id);
    pings.delete(conn);
    closed(id);
    if (shuttingDown && conns.size === 0) finish();
  });
}

/** A record from the main process: a reply to send (WebSocket header included) or a close. */
function deliver(type: Rec, id: number, payload: Buffer): void {
  const ws = conns.get(id)?.ws;
  if (ws === undefined) return;
  if (type === Rec.Close) {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(payload.readUInt16BE(0), payload.subarray(2).toString('utf8'));
    return;
  }
  if (type !== Rec.Frame || ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > opts.maxBufferedBytes) {
    // The agent does not read: drop it rather than buffer an unbounded backlog; it reconnects.
    dropped(id, 'slow_consumer');
    ws.terminate();
    return;
  }
  ws.send(payload);
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
  // Exit once the last records are written to the pipe.
  toMain.flush(() => process.exit(0));
}

readRecords(pipe, deliver);
process.on('message', (m: ToWire, handle: unknown) => {
  if (m.t === 'adopt') adopt(m, handle as Socket | undefined);
  else if (m.t === 'shutdown') shutdown(m.graceMs);
});
// The main process is gone: nobody can answer these agents any more.
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' } satisfies ReadyMessage);
