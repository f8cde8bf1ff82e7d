/**
 * @module Per-process measurements from Linux procfs (RSS from /proc/<pid>/status, CPU time from
 * /proc/<pid>/stat) and a description of the machine, so every result says where it was taken.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every mainstream Linux). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident set size in bytes, or undefined when the process is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name (which is in parentheses and may contain
 * spaces): [0] is field 3 (state), [1] the ppid, [11]/[12] utime/stime, [13]/[14] cutime/cstime.
 * Undefined when the process is gone.
 */
function statFields(pid: number | 'self'): string[] | undefined {
  const stat = readOr(`/proc/${pid}/stat`, '');
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : undefined;
}

const ticksMs = (f: string[], i: number) => (Number(f[i]) * 1000) / CLK_TCK;

/** User + system CPU time consumed so far, in milliseconds. */
export function readCpuMs(pid: number): { user: number; system: number } | undefined {
  const f = statFields(pid);
  return f && { user: ticksMs(f, 11), system: ticksMs(f, 12) };
}

/** Live child processes of `pid` (the server's wire processes, AMPGATE_WIRE_PROCESSES). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name) && Number(statFields(Number(name))?.[1]) === pid) out.push(Number(name));
  }
  return out;
}

/** RSS of `pid` and its live children together (undefined when `pid` is gone). */
export function readTreeRssBytes(pid: number): number | undefined {
  const own = readRssBytes(pid);
  if (own === undefined) return undefined;
  return childPids(pid).reduce((sum, c) => sum + (readRssBytes(c) ?? 0), own);
}

/** CPU time of `pid` and its children, live or exited and reaped (undefined when `pid` is gone). */
export function readTreeCpuMs(pid: number): { user: number; system: number } | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  // Its own time plus that of children that exited and were reaped (cutime, cstime).
  let user = ticksMs(f, 11) + ticksMs(f, 13);
  let system = ticksMs(f, 12) + ticksMs(f, 14);
  for (const c of childPids(pid)) {
    const t = readCpuMs(c);
    if (t) {
      user += t.user;
      system += t.system;
    }
  }
  return { user, system };
}

/** CPU time all CPUs spent busy since boot (ms), from /proc/stat: total minus idle and iowait. */
export function systemBusyMs(): number {
  const f = readOr('/proc/stat', '').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return ((total - (f[3] ?? 0) - (f[4] ?? 0)) * 1000) / CLK_TCK;
}

/** CPU time of this process plus its exited, reaped children (server, workers, baselines), in ms. */
export function selfAndChildrenCpuMs(): number {
  const f = statFields('self') ?? [];
  return ticksMs(f, 11) + ticksMs(f, 12) + ticksMs(f, 13) + ticksMs(f, 14);
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly openFileLimit: string;
  readonly fileMax: string;
  readonly ephemeralPorts: string;
  /** 1-minute load average when the run started (includes the tail of any previous run). */
  readonly loadAvgAtStart: number;
  /**
   * CPU used by processes other than this benchmark, averaged over the run, in cores (system busy
   * time minus the benchmark's own processes). Above ~0.2 other work competed for the CPUs.
   */
  readonly otherCpuCores?: number;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

export function machineInfo(): MachineInfo {
  const limits = readOr('/proc/self/limits', '');
  const nofile = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: readOr('/proc/sys/kernel/osrelease', 'unknown'),
    openFileLimit: nofile ? `soft ${nofile[1]}, hard ${nofile[2]}` : 'unknown',
    fileMax: readOr('/proc/sys/fs/file-max', 'unknown'),
    ephemeralPorts: readOr('/proc/sys/net/ipv4/ip_local_port_range', 'unknown').replace(/\s+/g, '-'),
    loadAvgAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}
