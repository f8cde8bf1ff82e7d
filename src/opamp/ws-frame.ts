/**
 * @module One WebSocket message from an agent, answered: strip the header, decode, hand it to the
 * session, push the replies (spec §"WebSocket Message Format"). Shared by the in-process
 * transport (ws-transport.ts) and the wire-process relay (ws-relay.ts), which differ only in where
 * the socket lives.
 */
import type { ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentLink } from '../fleet/link.js';
import type { AgentMessageHandler } from './message-handler.js';
import { badRequest, internalError } from '../protocol/error-response.js';
import { decodeAgentToServer, MalformedMessageError, stripWsHeader } from './wire.js';

export interface FrameEvents {
  onMalformed(reason: string): void;
  /** A bug, not bad input: the agent gets error_response Unavailable and the socket stays up. */
  onInternalError(err: unknown): void;
}

/** A WebSocket link that counts the undecodable messages it got in a row. */
export interface FramedLink extends AgentLink {
  malformedInARow: number;
}

/**
 * Answers one binary message. Malformed input gets an error_response (BadRequest) and, after
 * `maxMalformed` in a row, the socket is closed with 1002.
 */
export function answerFrame(session: AgentMessageHandler, link: FramedLink, frame: Uint8Array, events: FrameEvents, maxMalformed: number): void {
  let replies: ServerToAgent[];
  try {
    const msg = decodeAgentToServer(stripWsHeader(frame));
    link.malformedInARow = 0;
    replies = session.handle(link, msg);
  } catch (err) {
    if (!(err instanceof MalformedMessageError)) {
      events.onInternalError(err);
      link.push(internalError());
      return;
    }
    events.onMalformed('undecodable');
    link.push(badRequest(new Uint8Array(0), err.message));
    if (++link.malformedInARow >= maxMalformed) link.close(1002, 'too many malformed messages');
    return;
  }
  for (const r of replies) link.push(r);
}
