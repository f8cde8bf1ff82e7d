/**
 * @module The built server (`dist/`), which benchmarks measure and production runs (`npm start`
 * builds first). Building happens here when dist/ is missing or older than any source file it is
 * compiled from, so a benchmark never measures stale code, and never tsx's on-the-fly transpiling.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
/** Touched after each build here: an incremental build leaves unchanged outputs (main.js) alone. */
const STAMP = join(ROOT, 'dist', '.built-for-tests');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export function distIsStale(): boolean {
  if (!existsSync(CLI_MAIN)) return true;
  const built = Math.max(statSync(CLI_MAIN).mtimeMs, existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0);
  return newestSource(join(ROOT, 'src')) > built || statSync(join(ROOT, 'package.json')).mtimeMs > built;
}

/** Builds dist/ (`npm run build`) when it is stale; returns whether it built. */
export function ensureDist(stdio: 'inherit' | 'ignore' = 'inherit'): boolean {
  if (!distIsStale()) return false;
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return true;
}
