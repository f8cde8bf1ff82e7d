/**
 * Runs the built `ampgate` binary (dist/cli/main.js, built by the global setup) as a child
 * process, the way a user runs it: arguments, environment, stdout, stderr and exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_MAIN } from './build-dist.js';

export { CLI_MAIN };

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** Extra node flags before the script (e.g. --import for a module trace). */
  readonly nodeArgs?: readonly string[];
}

/** The environment a command sees: this process's, without AMPGATE_* (so a developer's shell cannot leak in), plus `env`. */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AMPGATE_')));
  return { ...base, ...env };
}

export function spawnCli(args: readonly string[], opts: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI_MAIN, ...args], { cwd: opts.cwd, env: cliEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
