/**
 * @module The load generator as seen by a scenario: forks worker processes (each holds part of
 * the simulated fleet, so no process exceeds the open-file limit and the generator's CPU is
 * measurable apart from the server's), spreads agents and source addresses over them, and
 * aggregates their counters and reports.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { AgentReport, LoadMode, ParentToWorker, WorkerConfig, WorkerStats, WorkerToParent } from './ipc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface LoadOptions {
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly token: string;
  readonly agents: number;
  /** How many of `agents` poll over plain HTTP instead of holding a WebSocket. */
  readonly httpAgents?: number;
  readonly workers: number;
  readonly groups?: number;
  readonly localAddresses: readonly string[];
  readonly heartbeatMs: number;
  /** New connections per second over all workers while connecting. */
  readonly connectRate: number;
  readonly maxLifetimeMs: number;
  readonly mode?: LoadMode;
  readonly backoff?: BackoffOptions;
  /** Index of the first agent (keeps groups distinct when several generators run). */
  readonly firstIndex?: number;
}

export type FleetStats = Omit<WorkerStats, 'worker'> & { readonly workers: readonly WorkerStats[] };

const SUMMED = [
  'agents',
  'ready',
  'sent',
  'received',
  'fullSent',
  'connects',
  'reconnects',
  'throttled429',
  'overloaded503',
  'refusedOther',
  'connectFailures',
  'unexpectedCloses',
  'fullStateRequests',
  'newUids',
  'errorResponses',
  'remoteConfigs',
  'appliedSent',
  'commands',
  'cpuUserMs',
  'cpuSystemMs',
  'rssBytes',
] as const satisfies ReadonlyArray<keyof WorkerStats>;

export class LoadGenerator {
  readonly #children: ChildProcess[];
  readonly #pending = new Map<number, (msg: WorkerToParent) => void>();
  readonly #configListeners: Array<(uid: string, at: number) => void> = [];
  #nextId = 1;
  #fatal: string | undefined;

  private constructor(children: ChildProcess[]) {
    this.#children = children;
    for (const child of children) {
      child.on('message', (raw: unknown) => this.#onMessage(raw as WorkerToParent));
    }
  }

  /** Forks the workers and hands each its share of the fleet. */
  static async start(opts: LoadOptions): Promise<LoadGenerator> {
    const n = Math.max(1, Math.min(opts.workers, opts.agents));
    const children: ChildProcess[] = [];
    const ready: Array<Promise<void>> = [];
    let first = opts.firstIndex ?? 0;
    let httpLeft = opts.httpAgents ?? 0;
    for (let w = 0; w < n; w++) {
      const count = Math.floor(opts.agents / n) + (w < opts.agents % n ? 1 : 0);
      const http = Math.min(httpLeft, Math.ceil((opts.httpAgents ?? 0) / n), count);
      httpLeft -= http;
      const config: WorkerConfig = {
        workerIndex: w,
        wsUrl: opts.wsUrl,
        httpUrl: opts.httpUrl,
        token: opts.token,
        agents: count,
        httpAgents: http,
        firstIndex: first,
        groups: opts.groups ?? 10,
        localAddresses: opts.localAddresses,
        heartbeatMs: opts.heartbeatMs,
        connectRate: Math.max(1, opts.connectRate / n),
        maxLifetimeMs: opts.maxLifetimeMs,
        backoff: opts.backoff ?? DEFAULT_BACKOFF,
        mode: opts.mode ?? 'heartbeat',
      };
      first += count;
      const child = fork(WORKER, [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      children.push(child);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMsg = (m: WorkerToParent) => {
            if (m.t === 'ready') resolve();
            if (m.t === 'fatal') reject(new Error(m.message));
          };
          child.on('message', onMsg as (m: unknown) => void);
          child.once('exit', (code) => reject(new Error(`load-generator worker ${w} exited during startup (code ${code})`)));
        }),
      );
      child.send({ t: 'init', config } satisfies ParentToWorker);
    }
    const gen = new LoadGenerator(children);
    try {
      await Promise.all(ready);
    } catch (err) {
      await gen.stop();
      throw err;
    }
    return gen;
  }

  get pids(): number[] {
    return this.#children.map((c) => c.pid!).filter((p) => p !== undefined);
  }

  /** A worker reported a crash; scenarios check this to fail fast. */
  get fatal(): string | undefined {
    return this.#fatal;
  }

  connect(): void {
    this.#broadcast({ t: 'connect' });
  }

  mode(mode: LoadMode): void {
    this.#broadcast({ t: 'mode', mode });
  }

  drop(): void {
    this.#broadcast({ t: 'drop' });
  }

  /** Reports, as they happen, when any of `uids` receives a remote config. */
  watch(uids: readonly string[], listener: (uid: string, at: number) => void): void {
    this.#configListeners.push(listener);
    this.#broadcast({ t: 'watch', uids });
  }

  async stats(): Promise<FleetStats> {
    const all = await Promise.all(this.#children.map((c) => this.#request(c, 'stats')));
    const workers = all.map((m) => (m as Extract<WorkerToParent, { t: 'stats' }>).stats);
    const sum = Object.fromEntries(SUMMED.map((k) => [k, workers.reduce((s, w) => s + w[k], 0)])) as Omit<WorkerStats, 'worker'>;
    return { ...sum, workers };
  }

  async report(): Promise<AgentReport[]> {
    const all = await Promise.all(this.#children.map((c) => this.#request(c, 'report')));
    return all.flatMap((m) => (m as Extract<WorkerToParent, { t: 'report' }>).agents);
  }

  /** Resolves when `count` agents are ready; rejects after `timeoutMs` with the last counters. */
  async waitReady(count: number, timeoutMs: number, onProgress?: (s: FleetStats) => void): Promise<FleetStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#fatal) throw new Error(this.#fatal);
      const s = await this.stats();
      onProgress?.(s);
      if (s.ready >= count) return s;
      if (Date.now() > deadline)
        throw new Error(
          `only ${s.ready} of ${count} agents ready after ${timeoutMs} ms (429: ${s.throttled429}, 503: ${s.overloaded503}, failures: ${s.connectFailures})`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops every worker (closing all agent connections) and waits for them to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        try {
          await Promise.race([this.#request(c, 'stop'), new Promise((r) => setTimeout(r, 3_000))]);
        } catch {
          /* already gone */
        }
        const timer = setTimeout(() => c.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  #broadcast(msg: ParentToWorker): void {
    for (const c of this.#children) if (c.connected) c.send(msg);
  }

  #request(child: ChildProcess, t: 'stats' | 'report' | 'stop'): Promise<WorkerToParent> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error('load-generator worker is gone'));
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`load-generator worker did not answer ${t} within 30 s`));
      }, 30_000);
      this.#pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.send({ t, id } satisfies ParentToWorker);
    });
  }

  #onMessage(msg: WorkerToParent): void {
    if (msg.t === 'config') for (const l of this.#configListeners) l(msg.uid, msg.at);
    else if (msg.t === 'fatal') this.#fatal = msg.message;
    else if ('id' in msg) {
      const cb = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      cb?.(msg);
    }
  }
}
