/**
 * @module `ampgate mcp`: a stdio MCP server for desktop clients. It holds only a scoped API token
 * and talks to a running ampgate's REST API, so it can run on another host than the OpAMP server
 * and the LLM-facing side never touches the agent-facing network. stdout carries the protocol;
 * diagnostics go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ApiClient } from '../api/client.js';
import { SettingsError } from '../config.js';
import type { WhoAmI } from './backend.js';
import { buildMcpServer } from './server.js';

export async function runStdioBroker(opts: { url: string; token: string | undefined }): Promise<void> {
  if (!opts.token) throw new SettingsError('ampgate mcp needs an API token (AMPGATE_TOKEN or --token); use a proposer or viewer token, never an admin one');
  const backend = new ApiClient({ url: opts.url, token: opts.token, client: 'mcp' });
  const whoami = await backend.get<WhoAmI>('/api/whoami');
  if (whoami.principal.role === 'admin') {
    throw new SettingsError(
      `ampgate mcp refuses an admin token (${whoami.principal.name}): an LLM client must never hold one; create a proposer or viewer token (ampgate ` +
        `tokens create --role proposer)`,
    );
  }
  const server = buildMcpServer(backend, { ...whoami, principal: { ...whoami.principal, llm: true } });
  await server.connect(new StdioServerTransport());
  process.stderr.write(
    `ampgate mcp: connected to ${opts.url} as ${whoami.principal.name} (${whoami.principal.role})${whoami.mcpReadOnly ? ', read-only' : ''}\n`,
  );
}
