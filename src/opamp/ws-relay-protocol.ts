/**
 * @module Messages between the main process and a wire process (ws-relay.ts, ws-relay-child.ts),
 * over the child-process IPC channel with `advanced` (structured clone) serialisation. Frames
 * travel in batches, one IPC message per event-loop turn per direction, as flat arrays
 * `[linkId, bytes, linkId, bytes, ...]`: one IPC write per turn instead of one per agent.
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

/** Main -> wire process, once per turn: payloads to send (without the WebSocket header), then closes. */
export interface OutBatch {
  readonly t: 'out';
  readonly frames: Array<number | Uint8Array>;
  /** `[linkId, code, reason, ...]` */
  readonly close: Array<number | string>;
}

/** Main -> wire process: close every socket with 1001 and exit, within `graceMs`. */
export interface ShutdownMessage {
  readonly t: 'shutdown';
  readonly graceMs: number;
}

export type ToWire = AdoptMessage | OutBatch | ShutdownMessage;

/** Why a wire process dropped a socket (as the in-process transport reports it). */
export type DropReason = 'slow_consumer' | 'ping_timeout' | 'text_frame';

/** Wire process -> main, once per turn, applied in this order: frames, drops, closes. */
export interface InBatch {
  readonly t: 'in';
  /** Binary messages as received (with the WebSocket header). */
  readonly frames: Array<number | Uint8Array>;
  /** `[linkId, reason, ...]` */
  readonly dropped: Array<number | DropReason>;
  /** Links whose socket closed (or whose upgrade failed). */
  readonly closed: number[];
}

/** Wire process -> main, once at start: it listens for adoptions now. */
export interface ReadyMessage {
  readonly t: 'ready';
}

export type FromWire = InBatch | ReadyMessage;
