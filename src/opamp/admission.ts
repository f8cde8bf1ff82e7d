/**
 * @module Admission control at connect/poll time. opamp-go clients ignore error_response
 * retry_info, so overload is signalled where every client honours it: HTTP 503 (too many
 * connections) or 429 (too many new connections or polls per second) with Retry-After, before any
 * WebSocket upgrade or body parsing (OpAMP spec, Throttling).
 */

export interface AdmissionOptions {
  /** Maximum concurrently open WebSocket connections; beyond it upgrades get 503. */
  readonly maxConnections: number;
  /** Sustained WebSocket handshakes per second (token bucket refill rate). */
  readonly connectRatePerSecond: number;
  /** Handshakes allowed in a burst (bucket size). */
  readonly connectBurst: number;
  /** Sustained plain-HTTP requests per second. */
  readonly pollRatePerSecond: number;
  readonly pollBurst: number;
  /** Base Retry-After in seconds; each refusal adds up to 100% random jitter to spread retries. */
  readonly retryAfterSeconds: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export type AdmissionDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 429 | 503; readonly retryAfterSeconds: number; readonly reason: string };

class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#last = now();
  }
  take(): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.rate);
    this.#last = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export class Admission {
  readonly #connect: TokenBucket;
  readonly #poll: TokenBucket;
  readonly #random: () => number;

  constructor(private readonly opts: AdmissionOptions) {
    const now = opts.now ?? Date.now;
    this.#connect = new TokenBucket(opts.connectRatePerSecond, opts.connectBurst, now);
    this.#poll = new TokenBucket(opts.pollRatePerSecond, opts.pollBurst, now);
    this.#random = opts.random ?? Math.random;
  }

  admitWebSocket(openConnections: number): AdmissionDecision {
    if (openConnections >= this.opts.maxConnections) return this.#refuse(503, 'connection limit reached');
    if (!this.#connect.take()) return this.#refuse(429, 'too many connection attempts');
    return { ok: true };
  }

  admitPoll(): AdmissionDecision {
    if (!this.#poll.take()) return this.#refuse(429, 'too many requests');
    return { ok: true };
  }

  /** The refusal for a source address over its connection limit (see source-limit.ts). */
  refuseSource(): AdmissionDecision {
    return this.#refuse(429, 'too many connections from this address');
  }

  #refuse(status: 429 | 503, reason: string): AdmissionDecision {
    const base = this.opts.retryAfterSeconds;
    return { ok: false, status, reason, retryAfterSeconds: Math.max(1, Math.round(base + this.#random() * base)) };
  }
}
