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

export function summariseProfile(path: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const totalUs = p.endTime - p.startTime;
  const totalHits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const usPerHit = totalUs / totalHits;
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const f = n.callFrame;
    const where = shortUrl(f.url);
    const name = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + hits);
    const fileKey = where.startsWith('(') ? f.functionName || where : where.split('/').slice(0, where.startsWith('src/') ? 3 : 2).join('/');
    file.set(fileKey, (file.get(fileKey) ?? 0) + hits);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, hits]) => ({ k, selfMs: Math.round((hits * usPerHit) / 100) / 10, share: Math.round((hits / totalHits) * 1000) / 10 }));
  return {
    totalMs: Math.round(totalUs / 1000),
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
