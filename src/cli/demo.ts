/**
 * @module `ampgate demo`: a simulated fleet against a running server, to try proposals, approvals
 * and rollouts on (README, "Your first five minutes"). It asks the server where agents connect
 * (GET /api/tls) and, unless given one, creates an enrollment token for its agents with the
 * caller's admin token and revokes it when the demo stops (Ctrl-C).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import { table } from './format.js';

interface TlsView {
  agentAuth: 'token' | 'none' | 'mtls';
  endpoint: string | null;
}

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('run a simulated fleet of OpAMP agents against the server until Ctrl-C (try approvals and rollouts on it)')
    .option('-n, --agents <n>', 'how many agents (1-500)', '12')
    .option('--opamp-url <url>', 'OpAMP endpoint (default: asked from the server)')
    .option('--enrollment-token <token>', 'token the agents connect with (default: a new one, created with your admin token and revoked at exit)')
    .option('--heartbeat <seconds>', 'heartbeat interval', '30')
    .addHelpText(
      'after',
      '\nThe fleet: services checkout, payments, inventory and frontend in prod and staging on demo-host-NN;\n' +
        'every fifth agent is unhealthy, even ones accept Restart, every third pauses via io.opentelemetry.pause,\n' +
        'every sixth does not accept remote configs. Needs AMPGATE_URL and an admin AMPGATE_TOKEN (or --enrollment-token).\n\n' +
        'Examples:\n  ampgate demo\n  ampgate demo --agents 40 --heartbeat 10',
    )
    .action(async (o: { agents: string; opampUrl?: string; enrollmentToken?: string; heartbeat: string }) => {
      const count = Number(o.agents);
      if (!Number.isInteger(count) || count < 1 || count > 500) throw new UsageError('--agents must be a whole number from 1 to 500');
      const client = ctx.client();
      const tls = await client.get<TlsView>('/api/tls');
      if (tls.agentAuth === 'mtls')
        throw new UsageError('the server requires agent client certificates (AMPGATE_AGENT_AUTH=mtls); the demo fleet connects with tokens only');
      const url = o.opampUrl ?? tls.endpoint;
      if (!url) throw new UsageError('the server did not say where agents connect; pass --opamp-url ws://HOST:4320/v1/opamp');

      let token = o.enrollmentToken;
      let created: string | undefined;
      if (!token && tls.agentAuth === 'token') {
        const res = await client.post<{ token: { id: string }; secret: string }>('/api/enrollment-tokens');
        token = res.secret;
        created = res.token.id;
      }
      const revoke = async () => {
        if (created) await client.delete(`/api/enrollment-tokens/${encodeURIComponent(created)}`).catch(() => {});
      };

      // Ctrl-C is caught from here on (also before the fleet is up: it then stops what started).
      const interrupted = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      const { DemoFleet } = await import('../demo/fleet.js');
      const fleet = new DemoFleet({ url, token, agents: count, heartbeatMs: Number(o.heartbeat) * 1000, onEvent: (line) => ctx.out(line) });
      try {
        await fleet.start();
      } catch (err) {
        await fleet.stop();
        await revoke();
        const status = (err as { status?: number }).status;
        throw new UsageError(`the demo agents could not connect to ${url}${status ? `: HTTP ${status}` : `: ${(err as Error).message}`}`);
      }
      ctx.out(
        table(
          ['UID', 'SERVICE', 'ENV', 'HOST', 'HEALTHY', 'RESTART', 'PAUSE', 'CONFIGS'],
          fleet.agents.map((a, i) => {
            const p = fleet.profiles[i]!;
            return [
              a.uidText,
              p.identifying['service.name']!,
              p.nonIdentifying['deployment.environment']!,
              p.nonIdentifying['host.name']!,
              p.healthy ? 'yes' : 'no',
              p.restarts ? 'yes' : 'no',
              p.customPause ? 'custom' : 'stand-in',
              p.appliesConfigs ? 'applies' : 'no',
            ];
          }),
          '',
        ),
      );
      ctx.out(`demo fleet: ${count} agents connected to ${url}${created ? ` with enrollment token ${created} (revoked at exit)` : ''}; Ctrl-C stops it`);

      await interrupted;
      await fleet.stop();
      await revoke();
      ctx.out('demo fleet stopped');
    });
}
