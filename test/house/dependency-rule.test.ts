/**
 * The dependency rule (.dependency-cruiser.cjs) holds for src/, has no folder-level import loop,
 * and the check itself fails on deliberately wrong imports: each case below writes one bad file
 * into a small copy of the layout and expects dependency-cruiser to name it.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../support/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const run = promisify(execFile);

interface CruiseResult {
  readonly modules: ReadonlyArray<{ readonly source: string; readonly dependencies: ReadonlyArray<{ readonly resolved: string }> }>;
  readonly summary: { readonly violations: readonly unknown[] };
}

/** The check as CI runs it (`npm run lint:deps`): its exit code and the violations it prints. */
async function check(cwd: string): Promise<{ code: number; violations: string[] }> {
  const args = [CLI, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'];
  const parse = (out: string) => [...out.matchAll(/^\s*error [\w-]+: (\S+) → (\S+)$/gm)].map((m) => `${m[1]} -> ${m[2]!.replace(/^node:/, '')}`);
  try {
    const { stdout } = await run(process.execPath, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, violations: parse(stdout) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number' || e.stdout === undefined) throw new Error(`dependency-cruiser failed to run: ${e.stderr ?? String(err)}`);
    return { code: e.code, violations: parse(e.stdout) };
  }
}

/** The import graph of src/ as dependency-cruiser sees it (JSON output). */
async function graph(cwd: string): Promise<CruiseResult> {
  const args = [CLI, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'];
  const { stdout } = await run(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as CruiseResult;
}

/** Top-level part of src/ a file belongs to (a folder, or a file directly in src/). */
const part = (path: string): string | undefined => /^src\/([^/]+)/.exec(path)?.[1];

/** Folder-level strongly connected components with more than one folder (import loops). */
function folderLoops(result: CruiseResult): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const m of result.modules) {
    const a = part(m.source);
    if (!a) continue;
    for (const d of m.dependencies) {
      const b = part(d.resolved);
      if (!b || a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a)!.add(b);
    }
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) loops.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return loops;
}

describe('dependency rule', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));

  it('holds for src/: no violation and no folder-level import loop', async () => {
    // The same rules as `npm run lint:deps`, in one run that also yields the graph for the loop check.
    const result = await graph(ROOT);
    expect(result.summary.violations).toEqual([]);
    expect(result.modules.length).toBeGreaterThan(150); // it really looked at the source tree
    expect(folderLoops(result)).toEqual([]);
  });

  it('fails on deliberately wrong imports, naming each one', async () => {
    const dir = tempDir('ampgate-depcheck-');
    dirs.push(dir);
    cpSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    // Targets that exist in the real layout.
    write('src/api/server.ts', 'export const server = 1;\n');
    write('src/fleet/fleet.ts', 'export const fleet = 1;\n');
    write('src/store/agents-repo.ts', 'export const repo = 1;\n');
    write('src/changes/engine.ts', 'export const engine = 1;\n');
    write('src/opamp/session.ts', 'export const session = 1;\n');
    // A file that follows the rule, so the copy is not judged on bad files alone.
    write('src/fleet/good.ts', "import { engine } from '../changes/engine.js';\nexport const good = engine;\n");
    // The wrong imports.
    write('src/fleet/edge.ts', "import { server } from '../api/server.js';\nexport const a = server;\n");
    write('src/store/domain.ts', "import { fleet } from '../fleet/fleet.js';\nexport const b = fleet;\n");
    write('src/changes/sql.ts', "import { repo } from '../store/agents-repo.js';\nexport const c = repo;\n");
    write('src/creds/http.ts', "import { createServer } from 'node:http';\nexport const d = createServer;\n");
    write('src/changes/upward.ts', "import { fleet } from '../fleet/fleet.js';\nexport const e = fleet;\n");
    write('src/fleet/transport.ts', "import { session } from '../opamp/session.js';\nexport const f = session;\n");
    write('src/fleet/sqlite.ts', "import Database from 'better-sqlite3';\nexport const g = Database;\n");
    write('src/protocol/io.ts', "import { connect } from 'node:net';\nexport const h = connect;\n");
    write('src/unplaced.ts', 'export const i = 1;\n');
    write('src/api/uses-unplaced.ts', "import { i } from '../unplaced.js';\nexport const j = i;\n");

    const { code, violations: found } = await check(dir);
    expect(code).not.toBe(0);
    for (const expected of [
      'src/fleet/edge.ts -> src/api/server.ts', // domain imports an edge
      'src/store/domain.ts -> src/fleet/fleet.ts', // store imports the domain
      'src/changes/sql.ts -> src/store/agents-repo.ts', // domain reaches past the store ports
      'src/creds/http.ts -> http', // domain imports node:http
      'src/changes/upward.ts -> src/fleet/fleet.ts', // changes sits below fleet
      'src/fleet/transport.ts -> src/opamp/session.ts', // domain imports the transport adapter
      'src/protocol/io.ts -> net', // protocol does no I/O
      'src/api/uses-unplaced.ts -> src/unplaced.ts', // a file the rule does not place
    ]) {
      expect(found).toContain(expected);
    }
    expect(found.some((f) => f.startsWith('src/fleet/sqlite.ts -> ') && f.includes('better-sqlite3'))).toBe(true);
    expect(found.filter((f) => f.startsWith('src/fleet/good.ts'))).toEqual([]);
  });
});
