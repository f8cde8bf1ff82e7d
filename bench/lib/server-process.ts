/**
 * @module The ampgate server under test as its own OS process (`node dist/cli/main.js serve`, the
 * build that production runs; bench/lib/dist.ts rebuilds it when stale), so its memory and CPU are
 * measured apart from the load generator's.
 * Settings come from AMPGATE_* env; the database lives in the run's temp directory; output goes to
 * a log file there. `restart` starts a new process on the same database and ports (storm).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { CLI_MAIN, ensureDist } from './dist.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerOptions {
  /** Working directory for the database, logs and profiles. */
  readonly dir: string;
  /** Extra AMPGATE_* settings (admission limits, heartbeat, ...). */
  readonly env?: Record<string, string>;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  readonly nodeArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

export interface ServerEndpoints {
  readonly opampWs: string;
  readonly opampHttp: string;
  readonly controlUrl: string;
}

/** Tokens of one benchmark run: random, never reused, never printed. */
export interface RunTokens {
  readonly admin: string;
  readonly enrollment: string;
}

export function newRunTokens(): RunTokens {
  return { admin: `ampk_${randomBytes(32).toString('base64url')}`, enrollment: `ampe_${randomBytes(32).toString('base64url')}` };
}

export class ServerProcess {
  #child: ChildProcess;
  #endpoints: ServerEndpoints;
  #log: WriteStream;
  #generation = 0;
  /** Spawn to listening banner of the latest (re)start, in ms (the dist/ freshness check excluded). */
  lastStartMs = 0;

  private constructor(
    readonly opts: ServerOptions,
    readonly tokens: RunTokens,
    child: ChildProcess,
    endpoints: ServerEndpoints,
    log: WriteStream,
  ) {
    this.#child = child;
    this.#endpoints = endpoints;
    this.#log = log;
  }

  static async start(opts: ServerOptions, tokens: RunTokens = newRunTokens()): Promise<ServerProcess> {
    mkdirSync(opts.dir, { recursive: true });
    const log = createWriteStream(join(opts.dir, 'server-0.log'));
    const env = baseEnv(opts, tokens, { AMPGATE_OPAMP_LISTEN: '127.0.0.1:0', AMPGATE_CONTROL_LISTEN: '127.0.0.1:0' });
    const { child, endpoints } = await launch(opts, env, log);
    return new ServerProcess(opts, tokens, child, endpoints, log);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get endpoints(): ServerEndpoints {
    return this.#endpoints;
  }

  get dbPath(): string {
    return join(this.opts.dir, 'ampgate.db');
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Stops the process (SIGTERM: graceful shutdown, writes a CPU profile if enabled). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the process (default SIGKILL, a crash) and starts a new one on the same database and ports. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.stop(signal);
    this.#log.end();
    this.#generation++;
    this.#log = createWriteStream(join(this.opts.dir, `server-${this.#generation}.log`));
    const opamp = new URL(this.#endpoints.opampHttp);
    const control = new URL(this.#endpoints.controlUrl);
    const env = baseEnv(this.opts, this.tokens, { AMPGATE_OPAMP_LISTEN: opamp.host, AMPGATE_CONTROL_LISTEN: control.host });
    const { child, endpoints, startMs } = await launch(this.opts, env, this.#log);
    this.#child = child;
    this.#endpoints = endpoints;
    this.lastStartMs = startMs;
  }

  async close(): Promise<void> {
    await this.stop();
    this.#log.end();
  }
}

function baseEnv(opts: ServerOptions, tokens: RunTokens, listen: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    NODE_ENV: 'production',
    AMPGATE_DB: join(opts.dir, 'ampgate.db'),
    AMPGATE_ADMIN_TOKEN: tokens.admin,
    AMPGATE_ENROLLMENT_TOKEN: tokens.enrollment,
    AMPGATE_LOG_LEVEL: 'warn',
    ...listen,
    ...(opts.env ?? {}),
  };
}

async function launch(
  opts: ServerOptions,
  env: NodeJS.ProcessEnv,
  log: WriteStream,
): Promise<{ child: ChildProcess; endpoints: ServerEndpoints; startMs: number }> {
  ensureDist();
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI_MAIN, 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let head = '';
  const onData = (d: Buffer) => {
    log.write(d);
    if (head.length < 64_000) head += d.toString();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const endpoints = await new Promise<ServerEndpoints>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${head}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited during startup (code ${code}, signal ${signal}):\n${head}`));
    });
    const check = () => {
      const m = /OpAMP agents:\s+(\S+) \(WebSocket\) and (\S+) \(HTTP\)\n\s+control plane: (\S+)/.exec(head);
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      resolve({ opampWs: m[1]!, opampHttp: m[2]!, controlUrl: m[3]! });
    };
    // The banner is on stderr (stdout is the JSON-lines log).
    child.stderr!.on('data', check);
  });
  return { child, endpoints, startMs: performance.now() - spawnedAt };
}
