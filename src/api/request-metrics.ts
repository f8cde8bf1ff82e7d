/**
 * @module Control-plane request metrics: every response is counted by method, route template (not
 * the raw URL, so ids do not multiply the series), status and client, and timed. Requests to the
 * MCP endpoint are also counted by JSON-RPC method and, for tools/call, by tool.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from './metrics.js';

const CLIENTS = new Set(['cli', 'mcp']);
const MCP_METHODS = new Set([
  'initialize',
  'notifications/initialized',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
]);
/** Tool names are the caller's words until the server looks them up: cap how many series they make. */
const MAX_TOOL_LABELS = 64;

function mcpLabels(req: FastifyRequest, seenTools: Set<string>): { method: string; tool: string } {
  const body = req.body as { method?: unknown; params?: { name?: unknown } } | undefined;
  const method = typeof body?.method === 'string' && MCP_METHODS.has(body.method) ? body.method : 'other';
  if (method !== 'tools/call') return { method, tool: '' };
  const name = body?.params?.name;
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(name)) return { method, tool: 'other' };
  if (!seenTools.has(name)) {
    if (seenTools.size >= MAX_TOOL_LABELS) return { method, tool: 'other' };
    seenTools.add(name);
  }
  return { method, tool: name };
}

export function installRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  const seenTools = new Set<string>();
  // On the raw response's close, not onResponse: the MCP and event-stream routes take the
  // response over (reply.hijack()), and Fastify runs no hooks for those.
  app.addHook('onRequest', async (req, reply) => {
    reply.raw.once('close', () => {
      const route = req.routeOptions.url ?? 'unmatched';
      const header = req.headers['x-ampgate-client'];
      const client = typeof header === 'string' && CLIENTS.has(header) ? header : 'other';
      const status = String(reply.raw.statusCode);
      metrics.apiRequests.inc({ method: req.method, route, status, client });
      metrics.apiSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1000);
      if (route === '/mcp' && req.method === 'POST') metrics.mcpRequests.inc({ ...mcpLabels(req, seenTools), status });
    });
  });
}
