/**
 * @module What the MCP layer learns about its caller: GET /api/whoami. Every tool reaches ampgate
 * only through the REST API (src/api/client.ts) with the caller's own token and
 * `X-Ampgate-Client: mcp`, so the in-process /mcp endpoint and the stdio broker (`ampgate mcp`,
 * possibly on another host) share one code path and one authorisation model: whatever the token may
 * do over REST, and never more; and because the API marks these calls as LLM-originated, nothing
 * reached through MCP can approve a change.
 */

export interface WhoAmI {
  readonly principal: { readonly kind: string; readonly id: string; readonly name: string; readonly role: string; readonly llm: boolean };
  readonly mcpReadOnly: boolean;
}
