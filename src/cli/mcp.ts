/**
 * @module `ampgate mcp`: run the stdio MCP broker against a running server.
 */
import type { Command } from 'commander';

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('run an MCP server on stdio for desktop LLM clients; it calls the ampgate REST API at --url with --token')
    .action(async () => {
      const o = program.opts<{ url: string; token?: string }>();
      // The MCP SDK loads only for this command.
      const { runStdioBroker } = await import('../mcp/stdio.js');
      await runStdioBroker({ url: o.url, token: o.token });
    });
}
