/**
 * @module Ports between the fleet domain and the OpAMP transports. The domain never sees `ws` or
 * `http`; transports implement AgentLink and the domain pushes ServerToAgent messages through it.
 */
import type { ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import type { Transport } from './agent-state.js';

/** How the request that carried an agent's messages was authenticated. */
export interface AgentAuth {
  readonly method: 'none' | 'token' | 'mtls';
  /** Credential row id (agent_credentials.id) that authenticated the connection, if any. */
  readonly credentialId?: string;
  readonly credentialKind?: 'enrollment' | 'agent_token' | 'client_cert';
  /** Set when the credential belongs to one agent: messages for other uids are refused. */
  readonly boundAgentUid?: string;
  /** SHA-256 fingerprint (hex) of the TLS client certificate, when one was presented. */
  readonly certFingerprint?: string;
}

/**
 * One transport-level channel to one or more agents: a WebSocket connection, or a single HTTP
 * request/response exchange.
 *
 * Contract: ask the link what it can do (`canPush`) instead of branching on its transport. `push` is
 * only meaningful when `canPush` is true; otherwise it returns false because data for the agent waits
 * for its next request. `push` never throws; it returns false when the link is
 * closed. Calls for one link are never concurrent (Node is single-threaded and transports call the
 * session synchronously).
 */
export interface AgentLink {
  /** Process-unique, increasing id. */
  readonly id: number;
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly auth: AgentAuth;
  readonly isOpen: boolean;
  /**
   * True when the server may send at any time (WebSocket); false when each message the agent sends
   * gets exactly one response and nothing else can be sent until it asks again (plain HTTP; OpAMP
   * spec, Plain HTTP Transport).
   */
  readonly canPush: boolean;
  push(msg: ServerToAgent): boolean;
  /** Closes the link (WebSocket close frame with code and reason); no-op for HTTP. */
  close(code: number, reason: string): void;
}

let nextLinkId = 1;
export function allocateLinkId(): number {
  return nextLinkId++;
}
