/**
 * @module The console's static files: read once at startup into memory from src/web/public (the
 * same folder whether the server runs from src/ through tsx or from dist/) plus Preact and htm
 * from node_modules, byte for byte. Only files in this table are ever served, so there is no
 * path handling to get wrong; each has a content hash as its ETag.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** src/web/public, resolved from this module in src/web or dist/web (both two levels below the package root). */
export function publicDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'web', 'public');
}

/** The browser builds of the front-end libraries, keyed by the path the console imports them from. */
function vendorFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  return {
    'vendor/preact.mjs': require.resolve('preact'),
    'vendor/htm.mjs': join(dirname(require.resolve('htm')), 'htm.mjs'),
  };
}

/** Every console asset by its path below /ui/assets/ (e.g. `app.js`, `vendor/preact.mjs`), and index.html. */
export function loadAssets(dir: string = publicDir()): { files: ReadonlyMap<string, Asset>; index: Asset } {
  const files = new Map<string, Asset>();
  const add = (key: string, path: string) => {
    const type = TYPES[extname(path)];
    if (!type) return;
    const body = readFileSync(path);
    files.set(key, { body, contentType: type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  };
  for (const path of walk(dir)) add(relative(dir, path).split(sep).join('/'), path);
  for (const [key, path] of Object.entries(vendorFiles())) add(key, path);
  const index = files.get('index.html');
  if (!index) throw new Error(`the web console's index.html is missing from ${dir}`);
  return { files, index };
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
