/**
 * @module OpAMP over WebSocket with the sockets in wire processes (AMPGATE_WIRE_PROCESSES > 0):
 * the second core does the WebSocket work. This process keeps everything that needs state:
 * authentication and admission (on the upgrade request, in listener.ts), decoding, the session,
 * the store. A wire process (ws-relay-child.ts) gets the socket of an accepted upgrade, completes
 * the handshake, and from then on parses and writes frames, pings, and drops slow consumers; both
 * sides exchange one batched IPC message per event-loop turn. Each socket is one AgentLink here,
 * exactly like the in-process transport (ws-transport.ts), so the session cannot tell them apart.
 * TLS listeners keep the in-process transport (a TLS session cannot move to another process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import { allocateLinkId, type AgentAuth } from '../fleet/link.js';
import { isCompiled, tsxEntry } from '../shared/tsx-loader.js';
import type { AgentMessageHandler } from './message-handler.js';
import { encodeServerToAgent } from './wire.js';
import { answerFrame, type FramedLink } from './ws-frame.js';
import type { AdoptMessage, FromWire, InBatch, OutBatch, ToWire, WireOptions } from './ws-relay-protocol.js';
import type { WsTransportEvents, WsTransportOptions } from './ws-transport.js';

export interface WsRelayOptions extends WsTransportOptions {
  /** Wire processes to start (>= 1). */
  readonly processes: number;
  /**
   * Called for each socket handed to a wire process; the returned function is called when that
   * socket has closed (the per-source connection count follows the socket, not this process's copy).
   */
  readonly keepSocket?: (socket: Socket) => () => void;
}

export interface WsRelayEvents extends WsTransportEvents {
  /** A wire process exited while serving: its agents were disconnected; it is started again. */
  onWireExit(pid: number | undefined, code: number | null, signal: string | null): void;
}

class RelayLink implements FramedLink {
  readonly id = allocateLinkId();
  readonly transport = 'ws' as const;
  readonly canPush = true;
  malformedInARow = 0;
  #open = true;
  constructor(
    readonly remoteAddress: string,
    readonly auth: AgentAuth,
    readonly wire: Wire,
    private readonly events: WsTransportEvents,
    readonly release: () => void,
  ) {}

  get isOpen(): boolean {
    return this.#open;
  }

  push(msg: ServerToAgent): boolean {
    if (!this.#open) return false;
    this.wire.out().frames.push(this.id, encodeServerToAgent(msg));
    this.events.onSent(1);
    return true;
  }

  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.wire.out().close.push(this.id, code, reason);
  }

  ended(): void {
    this.#open = false;
  }
}

/** Replies per IPC message at most, while this process works through a large batch of frames. */
const FLUSH_FRAMES = 64;

type Outgoing = { frames: Array<number | Uint8Array>; close: Array<number | string> };

/** One wire process and the links it holds. */
class Wire {
  readonly links = new Map<number, RelayLink>();
  readonly startedAt = Date.now();
  exited = false;
  #batch: Outgoing | undefined;
  #scheduled = false;
  #ready = false;
  /** Adoptions sent before the process was ready to receive them. */
  readonly #early: Array<[AdoptMessage, Socket]> = [];

  constructor(readonly proc: ChildProcess) {}

  /**
   * This turn's outgoing batch; sent at the end of the turn, or as soon as it holds
   * FLUSH_FRAMES frames, so the wire process starts writing while this process still decodes.
   */
  out(): Outgoing {
    const b = this.#batch;
    if (b !== undefined && b.frames.length < FLUSH_FRAMES * 2) return b;
    if (b !== undefined) this.#flush();
    this.#batch = { frames: [], close: [] };
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
    return this.#batch;
  }

  adopt(m: AdoptMessage, socket: Socket): void {
    if (!this.#ready) this.#early.push([m, socket]);
    else this.#send(m, socket);
  }

  ready(): void {
    this.#ready = true;
    for (const [m, socket] of this.#early.splice(0)) this.#send(m, socket);
  }

  send(m: ToWire): void {
    if (this.proc.connected) this.proc.send(m);
  }

  #send(m: AdoptMessage, socket: Socket): void {
    if (!this.proc.connected) return void socket.destroy(); // its links end when the exit is seen
    // Node tracks a socket sent with its server set (`server.close()` then polls the child for it,
    // and waits forever once that child has exited); this server forgets the socket instead: the
    // handle goes (keepOpen false) and the emptied copy is destroyed once sent, which counts it
    // out of the server's connections. The wire process owns the connection from then on.
    (socket as Socket & { server: unknown }).server = null;
    // This process must stop reading the socket before the wire process answers the handshake:
    // its handle stays open until the message is written, and a frame the agent sends meanwhile
    // would be read here and dropped (Node empties the handle's read callback, it does not stop
    // reading). net.Socket keeps reading while paused, so the read is stopped on the handle itself.
    (socket as Socket & { _handle?: { readStop?: () => number } })._handle?.readStop?.();
    this.proc.send(m, socket, { keepOpen: false }, () => socket.destroy());
  }

  #flush(): void {
    const b = this.#batch;
    this.#batch = undefined;
    if (b !== undefined) this.send({ t: 'out', ...b } satisfies OutBatch);
  }
}

export class WsRelay {
  readonly #wires: Wire[] = [];
  readonly #maxMalformed: number;
  readonly #wireOptions: WireOptions;
  #closing = false;
  #next = 0;

  constructor(
    private readonly session: AgentMessageHandler,
    private readonly events: WsRelayEvents,
    private readonly opts: WsRelayOptions,
  ) {
    this.#maxMalformed = opts.maxConsecutiveMalformed ?? 16;
    this.#wireOptions = {
      maxMessageBytes: opts.maxMessageBytes,
      pingIntervalMs: opts.pingIntervalMs ?? 30_000,
      maxBufferedBytes: opts.maxBufferedBytes ?? 16 * 1024 * 1024,
    };
    for (let i = 0; i < Math.max(1, opts.processes); i++) this.#wires.push(this.#spawn());
  }

  get openConnections(): number {
    let n = 0;
    for (const w of this.#wires) n += w.links.size;
    return n;
  }

  /** Wire process ids (for tests and diagnostics). */
  get pids(): Array<number | undefined> {
    return this.#wires.map((w) => w.proc.pid);
  }

  /** Hands an already authenticated and admitted upgrade to the wire process with the fewest links. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, auth: AgentAuth): void {
    let wire = this.#wires[this.#next++ % this.#wires.length]!;
    for (const w of this.#wires) if (wire.exited || (!w.exited && w.links.size < wire.links.size)) wire = w;
    if (wire.exited) return void socket.destroy(); // every wire process is restarting: the agent retries
    const release = this.opts.keepSocket?.(socket) ?? (() => undefined);
    const link = new RelayLink(req.socket.remoteAddress ?? '', auth, wire, this.events, release);
    wire.links.set(link.id, link);
    wire.adopt({ t: 'adopt', id: link.id, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, head }, socket);
  }

  /** Closes every socket with 1001 (going away), waits for the wire processes to exit, at most `graceMs` (+1 s). */
  async close(graceMs = 2_000): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.#wires.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
            const kill = setTimeout(() => w.proc.kill('SIGKILL'), graceMs + 1_000);
            w.proc.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            w.send({ t: 'shutdown', graceMs });
          }),
      ),
    );
  }

  #spawn(): Wire {
    const self = import.meta.url;
    const entry = new URL(isCompiled(self) ? './ws-relay-child.js' : './ws-relay-child.ts', self);
    const proc = fork(fileURLToPath(entry), [JSON.stringify(this.#wireOptions)], {
      serialization: 'advanced',
      // Node flags of this process carry over (heap size, --cpu-prof), except a debugger's port.
      execArgv: [
        ...process.execArgv.filter((a) => !a.startsWith('--inspect')),
        ...(isCompiled(self) ? [] : ['--import', pathToFileURL(tsxEntry(self, '.')).href]),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const wire = new Wire(proc);
    proc.on('message', (m: FromWire) => {
      if (m.t === 'ready') wire.ready();
      else this.#received(wire, m);
    });
    proc.on('error', () => undefined);
    proc.once('exit', (code, signal) => this.#exited(wire, code, signal));
    return wire;
  }

  #received(wire: Wire, m: InBatch): void {
    const { frames, dropped, closed } = m;
    for (let i = 0; i < frames.length; i += 2) {
      const link = wire.links.get(frames[i] as number);
      if (link !== undefined) answerFrame(this.session, link, frames[i + 1] as Uint8Array, this.events, this.#maxMalformed);
    }
    for (let i = 0; i < dropped.length; i += 2) {
      const reason = dropped[i + 1] as string;
      if (reason === 'text_frame') this.events.onMalformed(reason);
      else this.events.onDropped(reason);
    }
    for (const id of closed) {
      const link = wire.links.get(id);
      if (link === undefined) continue;
      wire.links.delete(id);
      this.#ended(link);
    }
  }

  #ended(link: RelayLink): void {
    link.ended();
    link.release();
    this.session.linkClosed(link);
  }

  #exited(wire: Wire, code: number | null, signal: string | null): void {
    wire.exited = true;
    const links = [...wire.links.values()];
    wire.links.clear();
    for (const link of links) this.#ended(link);
    if (this.#closing) return;
    this.events.onWireExit(wire.proc.pid, code, signal);
    // Started again at once, or after a second when it died young (no restart loop on a broken install).
    const respawn = () => {
      const i = this.#wires.indexOf(wire);
      if (!this.#closing && i !== -1) this.#wires[i] = this.#spawn();
    };
    if (Date.now() - wire.startedAt > 1_000) respawn();
    else setTimeout(respawn, 1_000).unref();
  }
}
