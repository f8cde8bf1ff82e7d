/**
 * Child processes of the interop suite. Each runs in its own process group, so stopping it also
 * stops what it started (the Supervisor's Collector). Output is kept in memory for assertions and
 * failure messages. `stopAll` ends every child still running (SIGINT or SIGTERM first, then
 * SIGKILL to the group after a grace period); a process 'exit' hook SIGKILLs any group left over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly proc: ChildProcess;
  output(): string;
  exited(): boolean;
  /** Resolves when `match` is found in the output after `from` characters (bounded). */
  waitForOutput(match: RegExp, timeoutMs: number, from?: number): Promise<RegExpExecArray>;
  /** Signal, then SIGKILL to the process group after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** SIGKILL to the process group right away. */
  kill9(): Promise<void>;
}

const live = new Set<Child>();

process.once('exit', () => {
  for (const c of live) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

export function spawnChild(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string>; stopSignal?: NodeJS.Signals } = {},
): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    output: () => out,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    waitForOutput: (match, timeoutMs, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const re = new RegExp(match.source, match.flags.replace('g', ''));
          const m = re.exec(out.slice(from));
          if (m) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: ${match} not seen within ${timeoutMs} ms; last output:\n${out.slice(-3000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          proc.stdout!.off('data', check);
          proc.stderr!.off('data', check);
        };
        proc.stdout!.on('data', check);
        proc.stderr!.on('data', check);
        check();
      }),
    stop: async (signal = opts.stopSignal ?? 'SIGTERM', graceMs = 5_000) => {
      if (!child.exited()) {
        try {
          process.kill(proc.pid!, signal);
        } catch {
          /* gone */
        }
        await Promise.race([exit, new Promise((r) => setTimeout(r, graceMs))]);
      }
      // Whatever the child started (a Collector) is in its group: end it too.
      killGroup('SIGKILL');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 2_000))]);
      live.delete(child);
    },
    kill9: async () => {
      killGroup('SIGKILL');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5_000))]);
      live.delete(child);
    },
  };
  live.add(child);
  return child;
}

/** Stops every child still running (for afterEach/afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

/** The pids of `pid`'s direct children (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    /* process gone */
  }
  return out;
}

/** Process start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[19]);
  } catch {
    return undefined;
  }
}
