/**
 * @module Plain-HTTP transport of simulated agents: one POST per AgentToServer over keep-alive
 * sockets bound to the agent's loopback source address, one request in flight per agent (later
 * messages queue in order, so sequence numbers never arrive out of order). A 429/503 is retried
 * with the same message after Retry-After; a network error after the backoff.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { backoffDelay, retryAfterDelay, type BackoffOptions } from './backoff.js';
import type { Counters, SimAgent } from './sim-agent.js';

export interface PollerHooks {
  /** A 200 answer: `payload` is the encoded ServerToAgent. */
  onReply(a: SimAgent, payload: Uint8Array): void;
}

export class HttpPoller {
  readonly #agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000 });
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  #stopped = false;

  constructor(
    url: string,
    token: string,
    private readonly counters: Counters,
    private readonly hooks: PollerHooks,
    private readonly backoff: BackoffOptions,
  ) {
    this.#url = new URL(url);
    this.#headers = { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${token}` };
  }

  /** Sends now, or queues behind the request in flight. */
  send(a: SimAgent, body: Uint8Array): void {
    if (this.#stopped) return;
    if (a.inFlight > 0 || (a.pending !== undefined && a.pending.length > 0)) {
      (a.pending ??= []).push(body);
      return;
    }
    this.#post(a, body);
  }

  stop(): void {
    this.#stopped = true;
    this.#agent.destroy();
  }

  #post(a: SimAgent, body: Uint8Array): void {
    a.inFlight = 1;
    this.counters.sent++;
    const req = request(
      {
        host: this.#url.hostname,
        port: this.#url.port,
        path: this.#url.pathname,
        method: 'POST',
        agent: this.#agent,
        localAddress: a.localAddress,
        headers: { ...this.#headers, 'Content-Length': String(body.length) },
      },
      (res) => this.#onResponse(a, body, res),
    );
    req.on('error', () => {
      if (this.#stopped) return;
      this.counters.connectFailures++;
      a.ready = false;
      this.#retry(a, body, backoffDelay(a.attempts++, this.backoff));
    });
    req.end(body);
  }

  #onResponse(a: SimAgent, body: Uint8Array, res: IncomingMessage): void {
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      if (status === 429) this.counters.throttled429++;
      else if (status === 503) this.counters.overloaded503++;
      else this.counters.refusedOther++;
      a.ready = false;
      const wait = status === 429 || status === 503 ? retryAfterDelay(res.headers['retry-after'], this.backoff) : undefined;
      if (status === 429 || status === 503) a.refusals++;
      this.#retry(a, body, wait ?? backoffDelay(a.attempts++, this.backoff));
      return;
    }
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      if (this.#stopped) return;
      const payload = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      this.hooks.onReply(a, payload);
      this.#next(a);
    });
    res.on('error', () => {
      a.inFlight = 0;
      this.#next(a);
    });
  }

  /** Posts the next queued message once nothing is in flight. */
  #next(a: SimAgent): void {
    if (a.inFlight === 0 && a.pending !== undefined && a.pending.length > 0) this.#post(a, a.pending.shift()!);
  }

  #retry(a: SimAgent, body: Uint8Array, delayMs: number): void {
    // The message stays in flight: nothing else of this agent is sent before it.
    setTimeout(() => {
      if (!this.#stopped && a.state !== 'stopped') this.#post(a, body);
    }, delayMs);
    this.counters.sent--; // the retry counts the message again
  }
}
