/**
 * @module Streamable HTTP MCP endpoint at /mcp on the control listener. Stateless: each POST gets a
 * fresh server and transport bound to the caller's token (no session state, nothing to leak
 * between callers). Authentication happens before MCP: no or bad token -> 401.
 */
import type { FastifyInstance } from 'fastify';
import { principalFromRequest, principalOf } from '../api/auth.js';
import { MCP_BODY_LIMIT } from '../api/body-limits.js';
import { bearerToken } from '../shared/bearer.js';
import type { ApiTokens } from '../creds/api-tokens.js';
import { ApiClient } from '../api/client.js';

export interface McpHttpOptions {
  readonly tokens: ApiTokens;
  readonly mcpReadOnly: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Loopback origins and the endpoint's own host. Anything else, including an opaque `null` origin
 * (sandboxed frames, file: pages) or one that does not parse, is refused (it made this route
 * answer 500 before; found by the reliability suite).
 */
function originAllowed(origin: string, host: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return LOOPBACK.has(url.hostname) || url.host === host;
}

/**
 * The MCP SDK, zod and the tool definitions are loaded on the first MCP request, not at start-up:
 * they are a large share of module loading and a server restarts (and must take agents again) far
 * more often than an MCP client calls.
 */
let mcpModules: Promise<[typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js'), typeof import('./server.js')]> | undefined;
const loadMcpModules = () => (mcpModules ??= Promise.all([import('@modelcontextprotocol/sdk/server/streamableHttp.js'), import('./server.js')]));

/** A fetch that goes through Fastify's in-process inject instead of a socket. */
function injectFetch(app: FastifyInstance): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const res = await app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: url.pathname + url.search,
      headers: init?.headers as Record<string, string>,
      payload: typeof init?.body === 'string' ? init.body : undefined,
    });
    return new Response(res.statusCode === 204 ? null : res.rawPayload, { status: res.statusCode, headers: res.headers as Record<string, string> });
  }) as typeof fetch;
}

export function mcpRoutes(app: FastifyInstance, opts: McpHttpOptions): void {
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    bodyLimit: MCP_BODY_LIMIT,
    // Origin and token are checked on the headers, before the body is read.
    onRequest: async (req, reply) => {
      const origin = req.headers.origin;
      if (origin && !originAllowed(origin, req.headers.host)) {
        // DNS-rebinding protection: browsers on other origins may not drive the MCP endpoint.
        return reply
          .code(403)
          .header('Connection', 'close')
          .send({ error: { code: 'forbidden', message: `origin ${origin} is not allowed` } });
      }
      const principal = principalFromRequest(opts.tokens, req.headers.authorization, 'mcp');
      if (!principal) {
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Bearer realm="ampgate-mcp"')
          .header('Connection', 'close')
          .send({ error: { code: 'unauthorized', message: 'missing or invalid bearer token' } });
      }
      req.principal = principal;
    },
    handler: async (req, reply) => {
      const principal = principalOf(req);
      if (req.method !== 'POST') {
        return reply
          .code(405)
          .header('Allow', 'POST')
          .send({ error: { code: 'bad_request', message: 'this MCP endpoint is stateless: use POST' } });
      }
      const [{ StreamableHTTPServerTransport }, { buildMcpServer }] = await loadMcpModules();
      const backend = new ApiClient({ url: 'http://ampgate.internal', client: 'mcp', token: bearerToken(req.headers.authorization)!, fetch: injectFetch(app) });
      const server = buildMcpServer(backend, { principal, mcpReadOnly: opts.mcpReadOnly });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req.raw, reply.raw, req.body);
    },
  });
}
