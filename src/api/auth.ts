/**
 * @module Bearer-token authentication of the control plane and role checks. The web console
 * (src/web) authenticates with a session cookie instead: its onRequest hook sets the principal
 * and the 'web' channel before these checks run.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, type Principal, type Role } from '../changes/principal.js';
import type { Channel } from '../changes/types.js';
import { AmpgateError } from '../shared/errors.js';
import { bearerToken } from '../shared/bearer.js';
import type { ApiTokenRow, ApiTokens } from '../creds/api-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set with `principal` by an authenticator other than the bearer token (the console: 'web'). */
    authChannel?: Channel;
    /** Set with `principal` by another authenticator: whether that authentication still holds (long-lived streams re-check it). */
    authStillValid?: () => boolean;
  }
}

/**
 * The channel a request came through. The MCP layer (in-process and the stdio broker) sends
 * `X-Ampgate-Client: mcp`; the CLI sends `cli`. Claiming `mcp` only ever restricts the caller.
 */
export function channelOf(headers: Record<string, string | string[] | undefined>): Channel {
  const v = headers['x-ampgate-client'];
  return v === 'mcp' ? 'mcp' : v === 'cli' ? 'cli' : 'rest';
}

/**
 * Resolves the caller of a control-plane request to a principal, or undefined. Calls through MCP
 * keep the token's identity (so self-approval checks still see the same principal) but are marked
 * as made by a language model. A minted token carries the chain of tokens that minted it, so the
 * policy sees it as the same person as its creator.
 */
export function principalFromRequest(tokens: ApiTokens, authorization: string | undefined, channel: Channel = 'rest'): Principal | undefined {
  const secret = bearerToken(authorization);
  if (!secret) return undefined;
  const row = tokens.verify(secret);
  if (!row) return undefined;
  return principalOfToken(row, channel === 'mcp', tokens);
}

/**
 * The principal an API token stands for (bearer header or a console session made from it). A
 * minted token carries the chain of tokens that minted it, so the policy sees it as the same
 * person as its creator.
 */
export function principalOfToken(row: ApiTokenRow, llm: boolean, tokens: Pick<ApiTokens, 'ownerChain'>): Principal {
  const owners = row.owner === null ? [] : tokens.ownerChain(row.id);
  return { kind: 'api_token', id: row.id, name: row.name, role: row.role, llm, ...(owners.length > 0 ? { owners } : {}) };
}

/** The channel of an authenticated request: the authenticator's, else the client header's. */
export function requestChannel(req: FastifyRequest): Channel {
  return req.authChannel ?? channelOf(req.headers);
}

/**
 * A hook that requires a valid token with at least `role`. Register it as `onRequest`: it reads
 * only headers, so unauthenticated requests are refused before their body is read.
 */
export function requireRole(tokens: ApiTokens, role: Role) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = req.principal ?? principalFromRequest(tokens, req.headers.authorization, channelOf(req.headers));
    if (!principal) {
      // Refused before the body is read; closing the connection also discards what was sent of it.
      void reply.header('WWW-Authenticate', 'Bearer realm="ampgate"').header('Connection', 'close');
      throw new AmpgateError('unauthorized', 'missing or invalid bearer token');
    }
    if (!hasRole(principal, role)) throw new AmpgateError('forbidden', `this action needs the ${role} role; the token has ${principal.role}`);
    req.principal = principal;
  };
}

/** The authenticated principal of a request that passed requireRole. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AmpgateError('unauthorized', 'not authenticated');
  return req.principal;
}
