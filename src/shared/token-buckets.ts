/**
 * @module Token buckets keyed by a string (an API token id, a person): a burst, then a sustained
 * rate. Memory is bounded: beyond `maxKeys`, buckets that have refilled completely (the same as no
 * bucket at all) are dropped.
 */

export interface TokenBucketOptions {
  /** Sustained takes per second; 0 turns the limit off. */
  readonly ratePerSecond: number;
  /** Takes allowed in a burst. */
  readonly burst: number;
  /** Keys kept before full buckets are pruned. Default 10000. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  last: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(private readonly opts: TokenBucketOptions) {
    this.#now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.ratePerSecond > 0;
  }

  /** Takes one from the key's bucket: 0 when allowed, else the whole seconds until one is. */
  take(key: string): number {
    if (!this.enabled) return 0;
    const t = this.#now();
    const b = this.#buckets.get(key) ?? { tokens: this.opts.burst, last: t };
    b.tokens = Math.min(this.opts.burst, b.tokens + ((t - b.last) / 1000) * this.opts.ratePerSecond);
    b.last = t;
    if (!this.#buckets.has(key)) {
      if (this.#buckets.size >= (this.opts.maxKeys ?? 10_000)) this.#prune(t);
      this.#buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.opts.ratePerSecond));
  }

  #prune(t: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((t - b.last) / 1000) * this.opts.ratePerSecond >= this.opts.burst) this.#buckets.delete(k);
    }
  }
}
