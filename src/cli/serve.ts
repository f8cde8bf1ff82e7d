/**
 * @module `ampgate serve`: start the server and stop it cleanly on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { startServer } from '../app/server.js';
import { loadSettings, type SettingsInput } from '../config.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the OpAMP server and the control plane (settings from AMPGATE_* env, see .env.example)')
    .option('--opamp-listen <host:port>', 'agent-facing listener (AMPGATE_OPAMP_LISTEN, default 127.0.0.1:4320)')
    .option('--opamp-path <path>', 'OpAMP endpoint path (AMPGATE_OPAMP_PATH, default /v1/opamp)')
    .option('--control-listen <host:port>', 'control plane: REST, MCP, Slack, health, metrics (AMPGATE_CONTROL_LISTEN, default 127.0.0.1:4321)')
    .option('--db <path>', 'SQLite database file (AMPGATE_DB, default ./data/ampgate.db)')
    .option('--agent-auth <mode>', 'token | none | mtls (AMPGATE_AGENT_AUTH, default token)')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent (AMPGATE_LOG_LEVEL, default info)')
    .action(async (o: { opampListen?: string; opampPath?: string; controlListen?: string; db?: string; agentAuth?: string; logLevel?: string }) => {
      const overrides: Partial<SettingsInput> = {
        opampListen: o.opampListen,
        opampPath: o.opampPath,
        controlListen: o.controlListen,
        dbPath: o.db,
        agentAuth: o.agentAuth as SettingsInput['agentAuth'],
        logLevel: o.logLevel as SettingsInput['logLevel'],
      };
      const server = await startServer(loadSettings(process.env, overrides));
      process.stdout.write(
        `ampgate is running\n  OpAMP agents:  ${server.opampUrl.ws} (WebSocket) and ${server.opampUrl.http} (HTTP)\n` +
          `  control plane: ${server.controlUrl} (REST /api, /healthz, /metrics)\n  database:      ${server.settings.dbPath}\n`,
      );
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.logger.info({ signal }, 'shutting down');
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            server.logger.error({ err }, 'error during shutdown');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
