/**
 * @module Starting one of our modules in a worker thread or a child process when this process runs
 * from the TypeScript sources (tests, tsx) rather than from the compiled `dist/`: the new thread
 * or process needs tsx's loader, found through the exports map of the tsx package (a dev
 * dependency, absent from a production install, where the compiled .js files are used).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Whether `moduleUrl` (an import.meta.url) is a compiled .js file. */
export function isCompiled(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.js');
}

/** Absolute path of an ES module entry of tsx (`.`: the loader for --import; `./esm/api`: register()). */
export function tsxEntry(from: string, subpath: '.' | './esm/api'): string {
  const pkgFile = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, string | { import?: string | { default?: string } }> };
  const entry = pkg.exports[subpath];
  const rel = typeof entry === 'string' ? entry : typeof entry?.import === 'string' ? entry.import : entry?.import?.default;
  if (!rel) throw new Error(`tsx has no ${subpath} export: run the compiled server (npm run build) instead`);
  return join(dirname(pkgFile), rel);
}

/**
 * Starts the module `<name>.js` next to `moduleUrl` (an import.meta.url) in a worker thread. Run from
 * the TypeScript sources (tests, tsx), it loads `<name>.ts` through tsx's loader, registered in the
 * worker.
 */
export function startModuleWorker(moduleUrl: string, name: string, workerData: unknown): Worker {
  if (isCompiled(moduleUrl)) return new Worker(new URL(`./${name}.js`, moduleUrl), { workerData });
  const tsx = pathToFileURL(tsxEntry(moduleUrl, './esm/api')).href;
  const entry = new URL(`./${name}.ts`, moduleUrl).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
