/**
 * @module Connections per source address on the agent-facing listener. One address (an agent gone
 * wrong, a stolen enrollment token, a reconnect loop) must not take the whole global connection
 * budget (AMPGATE_MAX_CONNECTIONS). Every TCP connection is counted from accept to close; while an
 * address holds more than the limit, its requests and upgrades are refused with 429 + Retry-After
 * (before authentication, so they cost no token lookup), and beyond twice the limit new
 * connections are dropped at accept. Agents behind one NAT or proxy share an address: raise the
 * limit there, or set 0 to turn it off.
 */
import type { Server, Socket } from 'node:net';

export interface SourceLimitEvents {
  /** Called at most once a minute per address, when it first goes over the limit. */
  onOverLimit(address: string, open: number): void;
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one source. */
function sourceKey(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export class SourceConnectionLimiter {
  readonly #open = new Map<string, number>();
  readonly #warned = new Map<string, number>();
  /** Sockets handed to another process: counted until that process reports them closed. */
  readonly #moved = new WeakSet<Socket>();

  constructor(
    /** Open connections allowed per address; 0 turns the limit off. */
    readonly maxPerSource: number,
    private readonly events: SourceLimitEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts every connection the server accepts until it closes. */
  attach(server: Server): void {
    if (this.maxPerSource <= 0) return;
    server.on('connection', (socket) => {
      const key = sourceKey(socket.remoteAddress);
      const n = (this.#open.get(key) ?? 0) + 1;
      this.#open.set(key, n);
      socket.once('close', () => {
        if (!this.#moved.has(socket)) this.#release(key);
      });
      if (n > this.maxPerSource) this.#warn(key, n);
      if (n > 2 * this.maxPerSource) socket.destroy();
    });
  }

  /**
   * The socket moves to a wire process (ws-relay.ts): this process's copy may close (or never
   * report closing) while the connection lives on. It stays counted until the returned function is called.
   */
  keep(socket: Socket): () => void {
    if (this.maxPerSource <= 0) return () => undefined;
    this.#moved.add(socket);
    const key = sourceKey(socket.remoteAddress);
    let done = false;
    return () => {
      if (!done) this.#release(key);
      done = true;
    };
  }

  #release(key: string): void {
    const left = (this.#open.get(key) ?? 1) - 1;
    if (left <= 0) this.#open.delete(key);
    else this.#open.set(key, left);
  }

  /** True while `address` holds more open connections than allowed. */
  isOver(address: string | undefined): boolean {
    return this.maxPerSource > 0 && (this.#open.get(sourceKey(address)) ?? 0) > this.maxPerSource;
  }

  /** Open connections from `address` (for tests and metrics). */
  open(address: string | undefined): number {
    return this.#open.get(sourceKey(address)) ?? 0;
  }

  #warn(key: string, n: number): void {
    const last = this.#warned.get(key);
    const t = this.now();
    if (last !== undefined && t - last < 60_000) return;
    if (this.#warned.size > 10_000) this.#warned.clear();
    this.#warned.set(key, t);
    this.events.onOverLimit(key, n);
  }
}
