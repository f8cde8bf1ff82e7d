/**
 * @module `ampgate serve`: start the server and stop it cleanly on SIGINT/SIGTERM.
 *
 * Streams: stdout carries only the JSON-lines log (pino), so it can be piped to a log shipper or
 * `jq` as it is; the human banner and notices go to stderr. First-start secrets go to a 0600 file
 * beside the database (src/creds/first-start-secrets.ts), and are also shown on stderr when it is
 * a terminal (a person is watching; a process manager's log is not).
 */
import type { Command } from 'commander';
import type { SettingsInput } from '../config.js';

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
    .addHelpText(
      'after',
      '\nOutput: stdout is the JSON-lines log; the banner and notices are on stderr. On first start the admin API\n' +
        'token and the agent enrollment token are written to <database dir>/first-start-secrets (mode 0600).\n\n' +
        'Examples:\n  ampgate serve\n  ampgate serve --control-listen 127.0.0.1:5321 --db /var/lib/ampgate/ampgate.db\n  AMPGATE_AGENT_AUTH=none ' +
        "ampgate serve | jq -c 'select(.level >= 40)'",
    )
    .action(async (o: { opampListen?: string; opampPath?: string; controlListen?: string; db?: string; agentAuth?: string; logLevel?: string }) => {
      const [{ startServer }, { loadSettings, settingsWarnings }] = await Promise.all([import('../app/server.js'), import('../config.js')]);
      const overrides: Partial<SettingsInput> = {
        opampListen: o.opampListen,
        opampPath: o.opampPath,
        controlListen: o.controlListen,
        dbPath: o.db,
        agentAuth: o.agentAuth as SettingsInput['agentAuth'],
        logLevel: o.logLevel as SettingsInput['logLevel'],
      };
      const human = (line: string) => process.stderr.write(`${line}\n`);
      const server = await startServer(loadSettings(process.env, overrides), {
        print: human,
        onFirstStartSecrets: (s) => {
          if (!process.stderr.isTTY) return;
          if (s.adminToken) human(`  admin API token:         ${s.adminToken}`);
          if (s.enrollmentToken) human(`  agent enrollment token:  ${s.enrollmentToken}`);
        },
        onFatal: (reason) => {
          human(`ampgate stopped: ${reason}`);
          process.exit(1);
        },
      });
      for (const warning of settingsWarnings(process.env)) server.logger.warn({ warning }, 'unknown AMPGATE_* variable');
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
      // Printed once the handlers are in place: whoever waits for it may stop the server at once.
      human(
        `ampgate is running\n  OpAMP agents:  ${server.opampUrl.ws} (WebSocket) and ${server.opampUrl.http} (HTTP)\n` +
          `  control plane: ${server.controlUrl} (REST /api, /healthz, /metrics; console /ui/)\n  database:      ${server.settings.dbPath}`,
      );
    });
}
