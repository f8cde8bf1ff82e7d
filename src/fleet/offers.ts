/**
 * @module Offer providers: the domain modules (rollouts, pause/resume, restart, credentials) that
 * put data into ServerToAgent messages. Providers derive what is due from desired state (SQLite)
 * and what the agent last reported, so a lost message is simply derived again later.
 */
import type { AgentToServer, ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentRecord } from './agent-state.js';
import type { AgentLink } from './link.js';

export interface OutboundContext {
  /** 'reply' answers an AgentToServer; 'push' is unprompted (WebSocket only). */
  readonly reason: 'reply' | 'push';
  /** The link the message will travel on. */
  readonly link: AgentLink;
  /**
   * Increases each time the agent (re)connects (new WebSocket, first HTTP poll after being
   * offline, server restart). Providers key "already offered" marks on it so that an offer lost
   * with a connection is made again on the next one, and never twice on the same one.
   */
  readonly epoch: number;
}

export interface OfferProvider {
  readonly name: string;
  /**
   * 'command' providers run first; when one sets `msg.command`, the command travels in a message of
   * its own (spec: only instance_uid and capabilities may accompany a command).
   */
  readonly phase: 'command' | 'offer';
  /**
   * Adds whatever is due for `agent` to `msg`. Called for every reply and every push, so it must
   * be cheap and must leave `msg` untouched when nothing is due. Gate every field on the agent's
   * latest capability bits.
   */
  contribute(agent: AgentRecord, msg: ServerToAgent, ctx: OutboundContext): void;
}

/** True when a ServerToAgent carries anything beyond instance_uid and capabilities. */
export function hasPayload(msg: ServerToAgent): boolean {
  return (
    msg.errorResponse !== undefined ||
    msg.remoteConfig !== undefined ||
    msg.connectionSettings !== undefined ||
    msg.packagesAvailable !== undefined ||
    msg.flags !== 0n ||
    msg.agentIdentification !== undefined ||
    msg.command !== undefined ||
    msg.customCapabilities !== undefined ||
    msg.customMessage !== undefined
  );
}

/**
 * Called for every AgentToServer after its status was merged, before the reply is composed. Used
 * for requests that need an answer in the same exchange (the CSR flow). Returns undefined to let
 * the reply proceed, or a message to refuse the request with error_response BadRequest.
 */
export type MessageHook = (agent: AgentRecord, msg: AgentToServer) => string | undefined;
