/**
 * The interop peers built by interop/build.sh: paths and pinned versions from
 * <cache>/peers.json. The suite fails with the command to run when they are missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Peers {
  readonly collector: { readonly bin: string; readonly version: string; readonly ocb: string };
  readonly supervisor: { readonly bin: string; readonly version: string };
  readonly goagent: { readonly bin: string; readonly opampGo: string };
  readonly python: { readonly bin: string; readonly version: string; readonly agent: string };
}

export function cacheDir(): string {
  return process.env.AMPGATE_INTEROP_CACHE ?? join(ROOT, '.interop-cache');
}

let loaded: Peers | undefined;

export function peers(): Peers {
  if (loaded) return loaded;
  const file = join(cacheDir(), 'peers.json');
  if (!existsSync(file)) throw new Error(`interop peers are not built (${file} is missing): run \`bash interop/build.sh\` first`);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Peers;
  for (const [name, peer] of Object.entries(p)) {
    if (!existsSync(peer.bin)) throw new Error(`interop peer ${name} is missing (${peer.bin}): run \`bash interop/build.sh\``);
  }
  return (loaded = p);
}
