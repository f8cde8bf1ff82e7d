/**
 * Vitest global setup: the CLI suites run the built binary (dist/cli/main.js), as a user would.
 * Builds it first when it is missing or older than any source file it is compiled from.
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

export default function setup(): void {
  if (!distIsStale()) return;
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
