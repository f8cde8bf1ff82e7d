/**
 * @module A listener that cannot bind becomes one sentence for the operator (which listener, which
 * address, why, and which setting to change) instead of a stack trace.
 */

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use (is another ampgate running?)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this host has no such address',
};

export interface ListenerName {
  /** e.g. "the control plane" */
  readonly what: string;
  /** e.g. "AMPGATE_CONTROL_LISTEN" */
  readonly variable: string;
  /** e.g. "--control-listen" */
  readonly flag: string;
}

export function listenError(err: unknown, address: { host: string; port: number }, listener: ListenerName): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === undefined) return err as Error;
  const reason = REASONS[code] ?? `${code}: ${(err as Error).message}`;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return new ListenError(
    `cannot listen on ${host}:${address.port} for ${listener.what}: ${reason}; choose another address with ${listener.flag} or ${listener.variable}`,
  );
}
