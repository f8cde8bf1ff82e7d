/**
 * @module What the transports need from the OpAMP server logic: answer one decoded message that
 * arrived on a link, and learn that a link closed. src/opamp/session.ts implements it; the
 * transports know nothing else about it.
 */
import type { AgentToServer, ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentLink } from '../fleet/link.js';

export interface AgentMessageHandler {
  /** Answers one decoded AgentToServer that arrived on `link`. Never throws for agent input. */
  handle(link: AgentLink, msg: AgentToServer): ServerToAgent[];
  /** Called when a link that can push (a WebSocket) closes: every uid it carried goes offline. */
  linkClosed(link: AgentLink): void;
}
