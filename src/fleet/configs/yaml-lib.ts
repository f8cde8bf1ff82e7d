/**
 * @module The `yaml` package, loaded on first use: only config validation, previews and scans need
 * it, and loading it is a noticeable share of a server's start-up. Its entry for Node is CommonJS,
 * so `require` gives the same module instance an `import` would.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}
