/**
 * @module What every scenario shares: options, a temp work directory, the server and load
 * generator processes with guaranteed cleanup, progress output, and a hard time limit so no run
 * (or crashed run) leaves load on a shared machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadGenerator, type LoadOptions } from '../loadgen/driver.js';
import { machineInfo, selfAndChildrenCpuMs, systemBusyMs, type MachineInfo } from './proc.js';
import type { Check, Figure, ScenarioResult } from './results.js';
import { ServerProcess, type RunTokens } from './server-process.js';

export interface ScenarioOptions {
  readonly agents: number;
  readonly durationS: number;
  readonly heartbeatS: number;
  readonly workers: number | undefined;
  /** Agents that poll over plain HTTP instead of WebSocket (where the scenario supports it). */
  readonly httpAgents: number;
  /** New connections per second while the fleet connects. */
  readonly connectRate: number;
  /** Run the scenario's baseline in the same run, where one exists. */
  readonly baseline: boolean;
  /** Profile the server with --cpu-prof; profiles land in `<resultsDir>/profiles`. */
  readonly profile: boolean;
  /** Hard limit for the whole run. */
  readonly timeoutS: number;
  readonly resultsDir: string;
  readonly keepWorkDir: boolean;
  readonly log: (line: string) => void;
  /** Scenario-specific knobs (e.g. storm trigger). */
  readonly extra: Readonly<Record<string, string>>;
}

export class Harness {
  readonly machine: MachineInfo = machineInfo();
  readonly startedAt = new Date();
  readonly workDir: string;
  readonly #cpuAtStart = { system: systemBusyMs(), ours: selfAndChildrenCpuMs(), at: Date.now() };
  readonly #cleanups: Array<() => Promise<void>> = [];

  constructor(readonly opts: ScenarioOptions) {
    this.workDir = mkdtempSync(join(tmpdir(), 'ampgate-bench-'));
  }

  log(line: string): void {
    this.opts.log(`[${((Date.now() - this.startedAt.getTime()) / 1000).toFixed(1)}s] ${line}`);
  }

  /**
   * Loopback source addresses, one per 800 agents: below the server's default per-source limit
   * (AMPGATE_MAX_CONNECTIONS_PER_SOURCE=1000), so the simulated fleet looks like many hosts and
   * that limit stays on; each address also has its own ~28k ephemeral ports.
   */
  localAddresses(agents: number = this.opts.agents): string[] {
    const n = Math.min(250, Math.max(2, Math.ceil(agents / 800)));
    return Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`);
  }

  async startServer(env: Record<string, string>, tokens?: RunTokens, name = 'ampgate'): Promise<ServerProcess> {
    // One directory per server run: V8 writes one profile per thread (CPU.<date>.<pid>.<thread>...),
    // the main thread's has thread id 0; worker threads write their own.
    const profileDir = join(this.opts.resultsDir, 'profiles', `${name}-${this.startedAt.toISOString().replace(/[:.]/g, '-')}`);
    const nodeArgs = this.opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    if (this.opts.profile) this.log(`server CPU profile: ${profileDir}/CPU.*.0.*.cpuprofile (main thread)`);
    const wire = this.wireProcesses();
    const withWire = wire > 0 ? { AMPGATE_WIRE_PROCESSES: String(wire), ...env } : env;
    const withCheckpoints = this.inlineCheckpoints() ? { AMPGATE_SQLITE_CHECKPOINTS: 'inline', ...withWire } : withWire;
    const server = await ServerProcess.start({ dir: join(this.workDir, name), env: withCheckpoints, nodeArgs }, tokens);
    this.#cleanups.push(() => server.close());
    return server;
  }

  async startLoad(opts: Omit<LoadOptions, 'maxLifetimeMs' | 'workers'> & { workers?: number }): Promise<LoadGenerator> {
    const workers = opts.workers ?? this.opts.workers ?? Math.max(1, Math.ceil(opts.agents / 10_000));
    const gen = await LoadGenerator.start({ ...opts, workers, maxLifetimeMs: this.opts.timeoutS * 1000 + 10_000 });
    this.#cleanups.push(() => gen.stop());
    return gen;
  }

  /**
   * The simulated fleet for `server`: the scenario's agent count, HTTP share, heartbeat and connect
   * rate, spread over loopback source addresses, enrolled with the run's enrollment token.
   */
  startFleet(server: ServerProcess, overrides: Partial<Omit<LoadOptions, 'maxLifetimeMs'>> = {}): Promise<LoadGenerator> {
    const o = this.opts;
    const agents = overrides.agents ?? o.agents;
    return this.startLoad({
      wsUrl: server.endpoints.opampWs,
      httpUrl: server.endpoints.opampHttp,
      token: server.tokens.enrollment,
      agents,
      httpAgents: o.httpAgents,
      localAddresses: this.localAddresses(agents),
      heartbeatMs: o.heartbeatS * 1000,
      connectRate: o.connectRate,
      ...overrides,
    });
  }

  /** A numeric scenario knob from `--set name=value`, or `fallback`. */
  knob(name: string, fallback: number): number {
    const raw = this.opts.extra[name];
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--set ${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    return v;
  }

  /** Registers extra cleanup (e.g. a baseline server). */
  onCleanup(fn: () => Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** Runs `body` under the hard time limit, then cleans up everything in reverse order. */
  async run<T>(body: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario exceeded its time limit of ${this.opts.timeoutS} s`)), this.opts.timeoutS * 1000);
    });
    try {
      return await Promise.race([body(), limit]);
    } finally {
      clearTimeout(timer);
      for (const fn of this.#cleanups.reverse()) {
        try {
          await fn();
        } catch (err) {
          this.log(`cleanup failed: ${(err as Error).message}`);
        }
      }
      if (!this.opts.keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
      else this.log(`work directory kept: ${this.workDir}`);
    }
  }

  /** The result envelope: machine, times, `ok` from the checks, and the load note. */
  result(
    scenario: string,
    body: { method: ScenarioResult['method']; figures: readonly Figure[]; checks: readonly Check[]; details: Record<string, unknown> },
  ): ScenarioResult {
    return {
      scenario,
      ok: body.checks.every((c) => c.ok),
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: this.machine,
      ...body,
      notes: this.loadNote(),
    };
  }

  /**
   * CPU other processes used during the run, in cores: call after `run` (children reaped). The
   * benchmark's own processes are this one and its children, whose CPU the kernel adds to ours.
   */
  otherCpuCores(): number {
    const system = systemBusyMs() - this.#cpuAtStart.system;
    const ours = selfAndChildrenCpuMs() - this.#cpuAtStart.ours;
    return Math.max(0, Math.round(((system - ours) / (Date.now() - this.#cpuAtStart.at)) * 100) / 100);
  }

  /** The result with the contention measured over the whole run (call after `run`). */
  withContention(r: ScenarioResult): ScenarioResult {
    const other = this.otherCpuCores();
    const notes = r.notes.filter((n) => !n.startsWith('The 1-minute load average'));
    if (other > 0.2) {
      notes.push(
        `Other processes used ${other} of the ${this.machine.cores} CPUs on average during this run (other engineers' builds and tests): throughput ` +
          `and latency figures are pessimistic; re-run on a quiet machine.`,
      );
    }
    const wire = this.wireProcesses();
    const withWire =
      wire > 0
        ? {
            ...r.method,
            wireProcesses: wire,
            summary: `${r.method.summary} Server with AMPGATE_WIRE_PROCESSES=${wire}: its CPU and RSS include its wire processes.`,
          }
        : r.method;
    const method = this.inlineCheckpoints()
      ? { ...withWire, sqliteCheckpoints: 'inline', summary: `${withWire.summary} Server with AMPGATE_SQLITE_CHECKPOINTS=inline.` }
      : withWire;
    return { ...r, method, machine: { ...r.machine, otherCpuCores: other }, notes };
  }

  /** `--set wireProcesses=N`: ampgate servers of this run hold WebSocket agents in N wire processes. */
  wireProcesses(): number {
    return Math.floor(this.knob('wireProcesses', 0));
  }

  /** `--set inlineCheckpoints=1`: ampgate servers of this run checkpoint SQLite's WAL inside the commits (the A/B of the background checkpointer). */
  inlineCheckpoints(): boolean {
    return this.knob('inlineCheckpoints', 0) > 0;
  }

  /** A note for results taken while the machine was busy with other work. */
  loadNote(): string[] {
    const l = this.machine.loadAvgAtStart;
    return l > 0.5 ? [`The 1-minute load average was ${l} when the run started.`] : [];
  }
}
