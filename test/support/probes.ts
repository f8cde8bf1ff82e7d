/**
 * Probes for the reliability suites: a healthy agent that keeps heartbeating while something hostile
 * happens and records every unanswered heartbeat; a /healthz poller that records latencies; and a
 * forced-GC heap reading for memory bounds.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ENROLLMENT_TOKEN } from './server.js';
import { TestAgent } from './ws-agent.js';

/** A well-behaved agent heartbeating every `everyMs`; each heartbeat must be answered. */
export class HeartbeatProbe {
  readonly agent: TestAgent;
  answered = 0;
  readonly failures: string[] = [];
  #running = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(url: string, token: string = ENROLLMENT_TOKEN) {
    this.agent = new TestAgent({ url, token, identifying: { 'service.name': 'healthy-probe' } });
  }

  async start(everyMs = 100): Promise<void> {
    await this.agent.start();
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          const reply = await this.agent.heartbeat();
          if (reply.errorResponse) this.failures.push(`error_response: ${reply.errorResponse.errorMessage}`);
          else this.answered++;
        } catch (err) {
          this.failures.push(String((err as Error).message));
          if (this.agent.socket?.readyState !== 1) break;
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<{ answered: number; failures: string[] }> {
    this.#running = false;
    await this.#loop;
    await this.agent.close();
    return { answered: this.answered, failures: this.failures };
  }
}

/** Polls GET /healthz every `everyMs` and records latencies and failures. */
export class HealthzProbe {
  readonly latenciesMs: number[] = [];
  readonly failures: string[] = [];
  #running = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(private readonly controlUrl: string) {}

  start(everyMs = 50): void {
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        const t = performance.now();
        try {
          const res = await fetch(`${this.controlUrl}/healthz`, { signal: AbortSignal.timeout(30_000) });
          await res.text();
          if (res.status !== 200) this.failures.push(`status ${res.status}`);
          else this.latenciesMs.push(performance.now() - t);
        } catch (err) {
          this.failures.push(String((err as Error).message));
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<{ samples: number; p50: number; p99: number; max: number; failures: string[] }> {
    this.#running = false;
    await this.#loop;
    const s = [...this.latenciesMs].sort((a, b) => a - b);
    const q = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))]!);
    return { samples: s.length, p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? NaN, failures: this.failures };
  }
}

let gcFn: (() => void) | undefined;

/** heapUsed in MiB after a full garbage collection. */
export function heapAfterGcMiB(): number {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
