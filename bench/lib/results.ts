/**
 * @module Benchmark results: the JSON shape of one run, the per-run file
 * (`<scenario>-<timestamp>.json`, not committed), the committed `latest.json` summary (one entry per
 * scenario, replaced by each run of it) and the figures table in bench/README.md, regenerated from
 * latest.json between marker comments.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './proc.js';

export interface Target {
  readonly op: '<=' | '<' | '>=';
  readonly value: number;
}

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: Target;
  /** Whether the value meets the target (absent when there is no target). */
  readonly pass?: boolean;
  /** The same figure measured on a simple baseline in the same run. */
  readonly baseline?: { readonly name: string; readonly value: number; readonly ratio: number };
  /** What limits this figure on this machine. */
  readonly limit?: string;
  readonly note?: string;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  /** Every correctness check passed (all agents connected, counts match, data persisted...). */
  readonly ok: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly method: { readonly summary: string } & Record<string, unknown>;
  readonly figures: readonly Figure[];
  readonly checks: readonly Check[];
  readonly details: Record<string, unknown>;
  readonly notes: readonly string[];
}

export function figure(name: string, value: number, unit: string, extra: Omit<Figure, 'name' | 'value' | 'unit' | 'pass'> = {}): Figure {
  const t = extra.target;
  if (t === undefined) return { name, value, unit, ...extra };
  const pass = Number.isFinite(value) && (t.op === '<=' ? value <= t.value : t.op === '<' ? value < t.value : value >= t.value);
  return { name, value, unit, ...extra, pass };
}

export function check(name: string, ok: boolean, detail: string): Check {
  return { name, ok, detail };
}

export interface Latest {
  readonly note: string;
  readonly updatedAt: string;
  readonly scenarios: Record<string, ScenarioResult>;
}

function timestamp(iso: string): string {
  return iso.replace(/[:.]/g, '-');
}

/** Writes the run file and folds the result into latest.json. Returns the run file path. */
export function saveResult(dir: string, result: ScenarioResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.scenario}-${timestamp(result.startedAt)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const latestPath = join(dir, 'latest.json');
  const latest = readLatest(latestPath);
  const next: Latest = {
    note: 'Latest result of each scenario (npm run bench -- <scenario>); per-run files are not committed.',
    updatedAt: result.finishedAt,
    scenarios: { ...latest.scenarios, [result.scenario]: result },
  };
  const tmp = `${latestPath}.tmp.json`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(tmp, latestPath);
  return file;
}

export function readLatest(path: string): Latest {
  if (!existsSync(path)) return { note: '', updatedAt: '', scenarios: {} };
  return JSON.parse(readFileSync(path, 'utf8')) as Latest;
}

const ORDER = ['idle', 'ingest', 'first-reply', 'restart', 'storm', 'rollout', 'approval-latency'];
const START = '<!-- figures:start (generated from bench/results/latest.json by `npm run bench -- report`) -->';
const END = '<!-- figures:end -->';

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** Markdown for the latest figures: one table per scenario with machine and method. */
export function renderFigures(latest: Latest): string {
  const names = Object.keys(latest.scenarios).sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  if (names.length === 0) return '_No results yet: run `npm run bench -- <scenario>`._';
  const out: string[] = [];
  for (const name of names) {
    const r = latest.scenarios[name]!;
    const m = r.machine;
    out.push(`### ${name}${r.ok ? '' : ' (checks FAILED)'}`, '');
    const other = m.otherCpuCores === undefined ? '' : `, other processes used ${m.otherCpuCores} CPUs during the run`;
    out.push(`${r.finishedAt.slice(0, 16).replace('T', ' ')} UTC, ${m.cores} × ${m.cpuModel}, ${m.ramGiB} GiB, Node ${m.node}, Linux ${m.kernel}${other}.`, '');
    out.push(`Method: ${r.method.summary}`, '');
    out.push('| Figure | Value | Target | Met | Baseline (same run) | Limited by / notes |', '|---|---|---|---|---|---|');
    for (const f of r.figures) {
      const target = f.target ? `${f.target.op} ${fmt(f.target.value)} ${f.unit}` : '';
      const met = f.pass === undefined ? '' : f.pass ? 'yes' : '**no**';
      const base = f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value)} ${f.unit} (ratio ${fmt(f.baseline.ratio)})` : '';
      const why = [f.limit, f.note].filter((x) => x !== undefined && x !== '').join('. ');
      out.push(`| ${f.name} | ${fmt(f.value)} ${f.unit} | ${target} | ${met} | ${base} | ${why} |`);
    }
    const failed = r.checks.filter((c) => !c.ok);
    out.push(
      '',
      `Checks: ${r.checks.length - failed.length}/${r.checks.length} ` +
        `passed${failed.length ? ` (failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')})` : ''}.`,
    );
    for (const n of r.notes) out.push('', `Note: ${n}`);
    out.push('');
  }
  return out.join('\n');
}

/** Replaces the generated section of bench/README.md; false when the markers are missing. */
export function updateReadme(readmePath: string, latest: Latest): boolean {
  if (!existsSync(readmePath)) return false;
  const text = readFileSync(readmePath, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  writeFileSync(readmePath, `${text.slice(0, a + START.length)}\n\n${renderFigures(latest)}\n${text.slice(b)}`);
  return true;
}

export const README_MARKERS = { START, END };
