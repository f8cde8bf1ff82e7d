/**
 * @module MCP resources: each agent's effective config as a readable resource
 * (ampgate://agents/{uid}/effective-config), redacted like the tool output.
 */
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentDetail } from '../api/views.js';
import { redactConfigText } from '../fleet/configs/redact.js';
import type { ApiClient } from '../api/client.js';

export function registerResources(server: McpServer, backend: ApiClient): void {
  server.registerResource(
    'agent-effective-config',
    new ResourceTemplate('ampgate://agents/{uid}/effective-config', { list: undefined }),
    { title: "Agent's effective config", description: 'The configuration an agent reports it runs (redacted)', mimeType: 'text/plain' },
    async (uri, { uid }) => {
      const a = await backend.get<AgentDetail>(`/api/agents/${encodeURIComponent(String(uid))}`);
      const text = Object.entries(a.effectiveConfig ?? {})
        .map(([name, f]) => `# file: ${name || '(default)'} (${f.contentType || 'unknown type'})\n${redactConfigText(f.body)}`)
        .join('\n');
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text }] };
    },
  );
}
