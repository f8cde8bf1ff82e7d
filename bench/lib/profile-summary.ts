/**
 * @module Summarises a V8 .cpuprofile (from `npm run bench -- <scenario> --profile`): self time by
 * function and by source file, plus inclusive time of chosen functions, so "what limits it" is
 * stated from evidence. `npm run bench -- profile <file.cpuprofile> [top]` prints it.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byFunction: Array<{ name: string; selfMs: number; share: number }>;
  readonly byFile: Array<{ file: string; selfMs: number; share: number }>;
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** Self time per node id from the sample stream, optionally only within [fromMs, toMs] of the profile. */
function hitsInWindow(p: CpuProfile, window?: { fromMs: number; toMs: number }): Map<number, number> {
  const hits = new Map<number, number>();
  if (!p.samples || !p.timeDeltas) {
    for (const n of p.nodes) hits.set(n.id, n.hitCount ?? 0);
    return hits;
  }
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const ms = t / 1000;
    if (window && (ms < window.fromMs || ms > window.toMs)) continue;
    hits.set(p.samples[i]!, (hits.get(p.samples[i]!) ?? 0) + 1);
  }
  return hits;
}

/** Share of non-idle samples per `bucketMs`, to find the interesting window of a long profile. */
export function busyTimeline(path: string, bucketMs = 500): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const buckets: Array<{ busy: number; all: number }> = [];
  let t = 0;
  for (let i = 0; i < (p.samples?.length ?? 0); i++) {
    t += p.timeDeltas![i]!;
    const b = Math.floor(t / 1000 / bucketMs);
    buckets[b] ??= { busy: 0, all: 0 };
    buckets[b].all++;
    if (!idle.has(p.samples![i]!)) buckets[b].busy++;
  }
  return buckets.map((b, i) => `${((i * bucketMs) / 1000).toFixed(1)}s:${b ? Math.round((b.busy / b.all) * 100) : 0}%`).join(' ');
}

export function summariseProfile(path: string, top = 25, window?: { fromMs: number; toMs: number }): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const totalUs = p.endTime - p.startTime;
  const hitsById = hitsInWindow(p, window);
  const totalHits = [...hitsById.values()].reduce((s, n) => s + n, 0) || 1;
  const usPerHit = (window ? (window.toMs - window.fromMs) * 1000 : totalUs) / totalHits;
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = hitsById.get(n.id) ?? 0;
    if (hits === 0) continue;
    const f = n.callFrame;
    const where = shortUrl(f.url);
    const name = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + hits);
    const fileKey = where.startsWith('(')
      ? f.functionName || where
      : where
          .split('/')
          .slice(0, where.startsWith('src/') ? 3 : 2)
          .join('/');
    file.set(fileKey, (file.get(fileKey) ?? 0) + hits);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, hits]) => ({ k, selfMs: Math.round((hits * usPerHit) / 100) / 10, share: Math.round((hits / totalHits) * 1000) / 10 }));
  return {
    totalMs: Math.round((window ? (window.toMs - window.fromMs) * 1000 : totalUs) / 1000),
    byFunction: rank(fn).map(({ k, selfMs, share }) => ({ name: k, selfMs, share })),
    byFile: rank(file).map(({ k, selfMs, share }) => ({ file: k, selfMs, share })),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`profile: ${s.totalMs} ms`, '', 'self time by file/package:'];
  for (const f of s.byFile) lines.push(`  ${String(f.share).padStart(5)}%  ${f.file}`);
  lines.push('', 'self time by function:');
  for (const f of s.byFunction) lines.push(`  ${String(f.share).padStart(5)}%  ${f.name}`);
  return lines.join('\n');
}
