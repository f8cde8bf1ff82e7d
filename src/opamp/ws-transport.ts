/**
 * @module OpAMP over WebSocket: binary frames `0x00 header + protobuf`, one AgentLink per socket,
 * ping/pong reaping of half-open sockets, slow consumers terminated instead of buffered forever.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import { allocateLinkId, type AgentAuth } from '../fleet/link.js';
import type { AgentMessageHandler } from './message-handler.js';
import { encodeServerToAgent, withWsHeader } from './wire.js';
import { PingSlices, type Pingable } from './ping-slices.js';
import { answerFrame, type FrameEvents, type FramedLink } from './ws-frame.js';

export interface WsTransportOptions {
  /** Largest accepted message in bytes; larger frames close the socket with 1009. */
  readonly maxMessageBytes: number;
  /** Interval of WebSocket pings; a socket that missed one pong is terminated. Default 30000 ms. */
  readonly pingIntervalMs?: number;
  /** Send-buffer size beyond which a socket is terminated as a slow consumer. Default 16 MiB. */
  readonly maxBufferedBytes?: number;
  /** Consecutive undecodable messages after which the socket is closed (1002). Default 16. */
  readonly maxConsecutiveMalformed?: number;
}

export interface WsTransportEvents extends FrameEvents {
  onSent(count: number): void;
  onDropped(reason: string): void;
}

class WsLink implements FramedLink, Pingable {
  readonly id = allocateLinkId();
  readonly transport = 'ws' as const;
  readonly canPush = true;
  alive = true;
  malformedInARow = 0;
  constructor(
    readonly socket: WebSocket,
    readonly remoteAddress: string,
    readonly auth: AgentAuth,
    private readonly maxBuffered: number,
    private readonly events: WsTransportEvents,
  ) {}

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  push(msg: ServerToAgent): boolean {
    if (!this.isOpen) return false;
    if (this.socket.bufferedAmount > this.maxBuffered) {
      // The agent does not read: drop it. It reconnects and gets state re-derived, instead of the
      // server buffering an unbounded backlog.
      this.events.onDropped('slow_consumer');
      this.socket.terminate();
      return false;
    }
    this.socket.send(withWsHeader(encodeServerToAgent(msg)));
    this.events.onSent(1);
    return true;
  }

  ping(): void {
    this.socket.ping();
  }

  drop(): void {
    this.events.onDropped('ping_timeout');
    this.socket.terminate();
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason);
  }
}

export class WsTransport {
  readonly #wss: WebSocketServer;
  readonly #links = new Set<WsLink>();
  readonly #pings: PingSlices<WsLink>;
  readonly #maxBuffered: number;
  readonly #maxMalformed: number;

  constructor(
    private readonly session: AgentMessageHandler,
    private readonly events: WsTransportEvents,
    opts: WsTransportOptions,
  ) {
    this.#maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.#maxMalformed = opts.maxConsecutiveMalformed ?? 16;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxMessageBytes,
      perMessageDeflate: false, // memory per socket; OpAMP payloads are small protobufs
      clientTracking: false,
    });
    this.#pings = new PingSlices(opts.pingIntervalMs ?? 30_000);
  }

  get openConnections(): number {
    return this.#links.size;
  }

  /** Completes an already authenticated and admitted upgrade. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, auth: AgentAuth): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(ws, req.socket.remoteAddress ?? '', auth));
  }

  #attach(ws: WebSocket, remoteAddress: string, auth: AgentAuth): void {
    const link = new WsLink(ws, remoteAddress, auth, this.#maxBuffered, this.events);
    this.#links.add(link);
    this.#pings.add(link);
    ws.on('message', (data, isBinary) => this.#onMessage(link, data, isBinary));
    ws.on('pong', () => {
      link.alive = true;
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.#links.delete(link);
      this.#pings.delete(link);
      this.session.linkClosed(link);
    });
  }

  #onMessage(link: WsLink, data: RawData, isBinary: boolean): void {
    link.alive = true;
    if (!isBinary) {
      this.events.onMalformed('text_frame');
      link.close(1003, 'OpAMP uses binary frames only');
      return;
    }
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    answerFrame(this.session, link, frame, this.events, this.#maxMalformed);
  }

  /** Closes every socket with 1001 (going away) and waits for them to finish, at most `graceMs`. */
  async close(graceMs = 2_000): Promise<void> {
    this.#pings.stop();
    const closing = [...this.#links].map(
      (l) =>
        new Promise<void>((resolve) => {
          if (l.socket.readyState === l.socket.CLOSED) return resolve();
          l.socket.once('close', () => resolve());
          l.close(1001, 'server shutting down');
        }),
    );
    const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(closing), timer]);
    for (const l of this.#links) l.socket.terminate();
    this.#wss.close();
  }
}
