/**
 * @module WebSocket keep-alive: every socket is pinged once per interval and dropped when it did
 * not answer its previous ping. Pings are spread over the interval, one slice every ~100 ms: each
 * ping is a write syscall, and pinging 19,000 sockets at once stalled the event loop for ~0.5 s.
 */

export interface Pingable {
  /** Set on any sign of life (a pong, a message); cleared when a ping goes out. */
  alive: boolean;
  readonly id: number;
  ping(): void;
  /** Drops a socket that missed its ping. */
  drop(): void;
}

export class PingSlices<T extends Pingable> {
  readonly #slices: Array<Set<T>>;
  readonly #timer: NodeJS.Timeout;
  #next = 0;

  constructor(intervalMs: number) {
    const n = Math.max(1, Math.min(600, Math.floor(intervalMs / 100)));
    this.#slices = Array.from({ length: n }, () => new Set<T>());
    this.#timer = setInterval(() => this.#tick(), intervalMs / n);
    this.#timer.unref();
  }

  add(item: T): void {
    this.#sliceOf(item).add(item);
  }

  delete(item: T): void {
    this.#sliceOf(item).delete(item);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #sliceOf(item: T): Set<T> {
    return this.#slices[item.id % this.#slices.length]!;
  }

  #tick(): void {
    const slice = this.#slices[this.#next]!;
    this.#next = (this.#next + 1) % this.#slices.length;
    for (const item of slice) {
      if (!item.alive) {
        item.drop();
        continue;
      }
      item.alive = false;
      item.ping();
    }
  }
}
