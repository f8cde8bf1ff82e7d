/**
 * The committed src/gen must be exactly what `npm run gen` produces from proto/ (no hand edits,
 * no stale output).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './support/server.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const out = tempDir('ampgate-gen-');
afterAll(() => removeDir(out));

function files(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else m.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return m;
}

describe('generated protobuf code', () => {
  it('is up to date with proto/', () => {
    execFileSync(join(ROOT, 'node_modules/.bin/buf'), ['generate', '--output', out], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
    });
    const fresh = files(join(out, 'src/gen'));
    const committed = files(join(ROOT, 'src/gen'));
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) expect(committed.get(name), `src/gen/${name} is stale: run npm run gen`).toBe(text);
  });
});
