/**
 * Runs `ampgate serve` as a real child process of the built binary, for restart and crash tests.
 * The banner (where it listens) is read from stderr; stdout is the JSON-lines log.
 */
import type { ChildProcess } from 'node:child_process';
import { runCli as runBuiltCli, spawnCli } from './cli.js';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly opampWs: string;
  readonly opampHttp: string;
  readonly controlUrl: string;
  /** The environment it was started with (AMPGATE_DB and friends). */
  readonly env: Record<string, string>;
  output(): string;
  /** Sends a signal and resolves with the exit code/signal. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnServer(env: Record<string, string>, timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawnCli(['serve'], { env: { AMPGATE_LOG_LEVEL: 'warn', ...env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    void exited.then(() => reject(new Error(`server exited during startup:\n${out}`)));
    const check = () => {
      const m = /OpAMP agents:\s+(\S+) \(WebSocket\) and (\S+) \(HTTP\)\n\s+control plane: (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      resolve({
        child,
        opampWs: m[1]!,
        opampHttp: m[2]!,
        controlUrl: m[3]!,
        env,
        output: () => out,
        kill: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stderr!.on('data', check);
  });
}

/** Runs one `ampgate <args>` command (the built binary) as a child process and collects its output. */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const r = await runBuiltCli(args, { env });
  return { code: r.code, out: r.stdout, err: r.stderr };
}
