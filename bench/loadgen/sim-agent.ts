/**
 * @module One simulated OpAMP agent: a lean record (uid, sequence number, shared profile,
 * connection state, a few timestamps) with no per-agent buffers or decoded messages. The worker's
 * `SimFleet` drives it; this file holds only the state and the counters all agents share.
 */
import type { WebSocket } from 'ws';
import { uidToString } from '../../src/protocol/uid.js';
import type { Profile } from './profiles.js';

/** idle: never connected; waiting: between attempts (backoff or Retry-After); stopped: for good. */
export type LinkState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

export class SimAgent {
  seq = 0;
  state: LinkState = 'idle';
  /** The current connection (or last poll) was answered. */
  ready = false;
  /** Messages sent and not yet answered (closed-loop load keeps this at most 1). */
  inFlight = 0;
  /** Consecutive failed connection attempts (drives the backoff). */
  attempts = 0;
  /** Set by a 429/503 refusal: the next reconnect waits this long instead of the backoff. */
  retryAfterMs = -1;
  /** Number of full statuses sent; the health status time is `startNanos + healthCounter`. */
  healthCounter = 0;
  configAt = 0;
  appliedAt = 0;
  ws: WebSocket | undefined;
  /** HTTP agents: messages waiting for the in-flight poll to finish. */
  pending: Uint8Array[] | undefined;
  connectedOnce = false;
  /** Epoch ms its current connection was first answered (0 = not ready). */
  readyAt = 0;
  /** 429/503 refusals this agent received (storm: how many agents admission control deferred). */
  refusals = 0;

  constructor(
    public uid: Uint8Array,
    public profile: Profile,
    readonly transport: 'ws' | 'http',
    readonly localAddress: string,
  ) {}

  get uidText(): string {
    return uidToString(this.uid);
  }
}

/** Counters of one worker, reported to the driver. */
export class Counters {
  sent = 0;
  received = 0;
  fullSent = 0;
  connects = 0;
  reconnects = 0;
  throttled429 = 0;
  overloaded503 = 0;
  refusedOther = 0;
  connectFailures = 0;
  unexpectedCloses = 0;
  fullStateRequests = 0;
  newUids = 0;
  errorResponses = 0;
  remoteConfigs = 0;
  appliedSent = 0;
  commands = 0;
}
