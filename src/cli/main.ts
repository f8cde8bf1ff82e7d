#!/usr/bin/env node
/**
 * @module The `ampgate` command line. `serve` runs the server; `demo` runs a simulated fleet;
 * every other command talks to a running server's REST API (AMPGATE_URL, AMPGATE_TOKEN).
 * Commands register only their options and help here; what an action needs that is heavy (the
 * server, SQLite, the MCP SDK, the X.509 library) is imported when that action runs, so
 * `ampgate --help` and the REST commands start without loading the server.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAgentCommands } from './agents.js';
import { registerCaCommands } from './ca.js';
import { registerCredentialCommands } from './credentials.js';
import { registerAuditCommands } from './audit.js';
import { registerChangeCommands } from './changes.js';
import { registerConfigCommands } from './configs.js';
import { cliContext } from './context.js';
import { registerDemoCommand } from './demo.js';
import { registerEnrollmentCommands } from './enrollment.js';
import { EXIT, EXIT_CODES_HELP, errorJson, errorText, exitCodeOf } from './errors.js';
import { registerMcpCommand } from './mcp.js';
import { registerRolloutCommands } from './rollouts.js';
import { registerServeCommand } from './serve.js';
import { registerTokenCommands } from './tokens.js';
import { unknownVariableWarnings } from './env-warnings.js';

/** The package version (package.json sits two levels above both src/cli and dist/cli). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const EXAMPLES = `
Examples:
  ampgate serve                                   # start the server (first start: see data/first-start-secrets)
  ampgate demo --agents 12                        # a simulated fleet to try approvals on
  ampgate agents --connected
  ampgate changes propose restart --selector service.name=checkout --reason "exporter stuck"
  ampgate changes approve 1 --fingerprint 1a2b3c4d5e6f --wait     # as another person
  ampgate --json changes list --open | jq '.changes[].id'

Environment: AMPGATE_URL (default http://127.0.0.1:4321) and AMPGATE_TOKEN for every command that
calls the server; \`ampgate serve --help\` and .env.example for the server's own settings.

${EXIT_CODES_HELP}`;

function buildProgram(out: (t: string) => void = (t) => process.stdout.write(`${t}\n`)): Command {
  const program = new Command('ampgate')
    .description('OpAMP fleet management with approval-gated changes')
    .version(version(), '-V, --version', 'print the version')
    .option('--url <url>', 'control-plane URL (AMPGATE_URL)', process.env.AMPGATE_URL ?? 'http://127.0.0.1:4321')
    .option('--token <token>', 'API token (AMPGATE_TOKEN)', process.env.AMPGATE_TOKEN)
    .option('--json', 'print raw JSON (errors too, as {"error": {...}} on stdout)')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(ampgate --help lists the commands; ampgate <command> --help shows one)')
    // Usage errors end with exit code 2 like every other refusal (commander's default is 1);
    // set before the subcommands are added so that they inherit it.
    .exitOverride();
  const ctx = cliContext(() => program.opts<{ url: string; token?: string; json?: boolean }>(), out);
  registerServeCommand(program);
  registerDemoCommand(program, ctx);
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
  for (const line of await unknownVariableWarnings(process.env)) process.stderr.write(`ampgate: warning: ${line}\n`);
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end "with an error" too (exit code 0); commander printed what it had to.
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.refused);
    }
    if (program.opts<{ json?: boolean }>().json) process.stdout.write(`${errorJson(err)}\n`);
    process.stderr.write(`${errorText(err)}\n`);
    process.exit(exitCodeOf(err));
  }
}

await main();
