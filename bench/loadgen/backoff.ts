/**
 * @module Reconnect timing of a simulated agent, as a well-behaved OpAMP client does it:
 * exponential backoff with full jitter after failures, and the server's Retry-After (plus a little
 * jitter) after a 429 or 503 (spec §Throttling; opamp-go honours Retry-After on HTTP and WS dial).
 */

export interface BackoffOptions {
  /** Upper bound of the first retry delay (ms); the first reconnect after a drop is uniform in [0, this]. */
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** Extra random delay added to a server's Retry-After, so refused clients do not return in lockstep. */
  readonly retryAfterJitterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, multiplier: 2, retryAfterJitterMs: 1_000 };

/** Delay before reconnect attempt number `attempt` (0 = first retry after a failure or drop). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * opts.multiplier ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Delay honouring a Retry-After header value (delta-seconds or HTTP date); undefined when unusable. */
export function retryAfterDelay(
  header: string | string[] | undefined,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(value.trim())) ms = Number(value.trim()) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return ms + Math.floor(random() * opts.retryAfterJitterMs);
}
