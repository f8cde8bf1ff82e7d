/**
 * @module Shared CLI state: API location, token, output mode.
 */
import { ApiClient } from '../api/client.js';

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
    out,
  };
}
