/**
 * @module Control messages between the main process and a wire process (ws-relay.ts,
 * ws-relay-child.ts) over the child-process IPC channel: adoptions (which carry the socket handle),
 * readiness and shutdown. Frames, drops and closes travel on the data pipe (ws-relay-pipe.ts).
 */

/** Options of a wire process (passed as its first argument, JSON). */
export interface WireOptions {
  readonly maxMessageBytes: number;
  readonly pingIntervalMs: number;
  /** Send-buffer size beyond which a socket is terminated as a slow consumer. */
  readonly maxBufferedBytes: number;
}

/** Main -> wire process: take over an authenticated, admitted upgrade request (its socket comes as the handle). */
export interface AdoptMessage {
  readonly t: 'adopt';
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Bytes that arrived after the upgrade request's headers. */
  readonly head: Uint8Array;
}

/** Main -> wire process: close every socket with 1001 and exit, within `graceMs`. */
export interface ShutdownMessage {
  readonly t: 'shutdown';
  readonly graceMs: number;
}

export type ToWire = AdoptMessage | ShutdownMessage;

/** Wire process -> main, once at start: it listens for adoptions now. */
export interface ReadyMessage {
  readonly t: 'ready';
}

export type FromWire = ReadyMessage;
