#!/usr/bin/env node
/**
 * @module The `ampgate` command line. `serve` runs the server; every other command talks to a
 * running server's REST API (AMPGATE_URL, AMPGATE_TOKEN).
 */
import { Command, CommanderError } from 'commander';
import { SettingsError } from '../config.js';
import { registerAgentCommands } from './agents.js';
import { registerCaCommands } from './ca.js';
import { registerCredentialCommands } from './credentials.js';
import { registerAuditCommands } from './audit.js';
import { registerChangeCommands } from './changes.js';
import { ApiError } from '../api/client.js';
import { registerConfigCommands } from './configs.js';
import { cliContext } from './context.js';
import { registerEnrollmentCommands } from './enrollment.js';
import { registerMcpCommand } from './mcp.js';
import { registerRolloutCommands } from './rollouts.js';
import { registerServeCommand } from './serve.js';
import { registerTokenCommands } from './tokens.js';

export function buildProgram(out: (t: string) => void = (t) => process.stdout.write(`${t}\n`)): Command {
  const program = new Command('ampgate')
    .description('OpAMP fleet management with approval-gated changes')
    .option('--url <url>', 'control-plane URL (AMPGATE_URL)', process.env.AMPGATE_URL ?? 'http://127.0.0.1:4321')
    .option('--token <token>', 'API token (AMPGATE_TOKEN)', process.env.AMPGATE_TOKEN)
    .option('--json', 'print raw JSON')
    .showHelpAfterError();
  const ctx = cliContext(() => program.opts<{ url: string; token?: string; json?: boolean }>(), out);
  registerServeCommand(program);
  registerAgentCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerEnrollmentCommands(program, ctx);
  registerMcpCommand(program);
  registerCaCommands(program, out);
  registerCredentialCommands(program, ctx);
  registerChangeCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerRolloutCommands(program, ctx);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof ApiError || err instanceof SettingsError) {
      process.stderr.write(`ampgate: ${err.message}\n`);
      process.exit(err instanceof ApiError && err.status === 401 ? 3 : 2);
    }
    process.stderr.write(`ampgate: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}

await main();
