/**
 * @module Shared CLI state: API location, token, output mode.
 */
import { ApiClient } from '../api/client.js';
import { block, jsonSafe } from '../shared/safe-text.js';

export interface CliContext {
  client(): ApiClient;
  json(): boolean;
  out(text: string): void;
}

export function cliContext(getOpts: () => { url: string; token?: string; json?: boolean }, out: (t: string) => void): CliContext {
  return {
    client: () => {
      const o = getOpts();
      return new ApiClient({ url: o.url, token: o.token });
    },
    json: () => getOpts().json === true,
    // Everything shown goes through here: terminal escapes and other control characters that an
    // agent or a user put into the data are shown as visible escapes, never interpreted. JSON
    // output stays valid JSON (\u escapes for what JSON.stringify leaves raw).
    out: (text) => out(getOpts().json === true ? jsonSafe(text) : block(text)),
  };
}
