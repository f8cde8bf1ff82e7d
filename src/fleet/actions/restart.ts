/**
 * @module The restart executor: ServerToAgentCommand Restart to agents with AcceptsRestartCommand
 * in their latest message. Success is observed, not assumed: the agent reconnects, starts its
 * sequence over, or reports a new start time within `timeoutSeconds`. An agent that is offline
 * gets the command only if it reconnects within that time; afterwards the command is dropped, so
 * nobody is restarted hours later by a stale request.
 */
import { z } from 'zod';
import type { ChangeExecutor, ChangePlan, ChangeRequest, ExecutionContext, ExecutionResult, TargetSpec } from '../../changes/types.js';
import { AmpgateError } from '../../shared/errors.js';
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { Fleet } from '../fleet.js';
import type { AgentRegistry } from '../registry.js';
import type { RestartCommands } from '../restart/restart-commands.js';
import { planFingerprint } from '../../changes/fingerprint.js';
import { labelBreakdown, resolveTargets } from '../targeting.js';
import { awaitTargets, type TargetProgress } from './await-targets.js';
import { parseParams } from './params.js';
import { riskOf } from '../../changes/risk.js';

export const RestartParamsSchema = z
  .object({
    /** Time for the command to be delivered and the restart to be observed. */
    timeoutSeconds: z.number().int().min(1).max(3600).default(120),
  })
  .strict();

export interface RestartDeps {
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  readonly commands: RestartCommands;
  readonly now: () => number;
}

export class RestartExecutor implements ChangeExecutor {
  readonly kind = 'restart' as const;

  constructor(readonly deps: RestartDeps) {}

  plan(target: TargetSpec, rawParams: Record<string, unknown>): ChangePlan {
    const params = parseParams('restart', RestartParamsSchema, rawParams);
    const resolved = resolveTargets(this.deps.registry, target, (a) =>
      hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_AcceptsRestartCommand)
        ? undefined
        : 'lacks AcceptsRestartCommand in its latest message',
    );
    const agents = resolved.agents;
    if (agents.length === 0)
      throw new AmpgateError(
        'unprocessable',
        `no agent accepts a restart command: ${resolved.ineligible
          .map((i) => `${i.uid} ${i.reason}`)
          .slice(0, 5)
          .join('; ')}`,
        { ineligible: resolved.ineligible },
      );
    const targets = agents.map((a) => a.uid);
    const risk = riskOf({ kind: 'restart', eligible: agents.length, ineligible: resolved.ineligible.length, fleetSize: this.deps.registry.size });
    const offline = agents.filter((a) => !a.connected).length;
    return {
      params,
      targets,
      ineligible: resolved.ineligible,
      payloadFingerprint: 'restart',
      fingerprint: planFingerprint(this.kind, params, 'restart', targets),
      risk: risk.tier,
      preview: {
        summary: `Restart ${agents.length} agent${agents.length === 1 ? '' : 's'}`,
        agentCount: agents.length,
        labelBreakdown: labelBreakdown(agents),
        ineligible: resolved.ineligible,
        steps: [
          `send ServerToAgentCommand Restart to ${agents.length} agent(s), alone in its message, once`,
          `success: the agent reconnects, starts its sequence over, or reports a new start time within ${params.timeoutSeconds} s`,
          `offline agents${offline > 0 ? ` (${offline} now)` : ''} get the command only if they reconnect within ${params.timeoutSeconds} s; then it ` +
            `is dropped`,
        ],
        details: { risk: risk.why, connected: agents.length - offline },
      },
    };
  }

  async execute(request: ChangeRequest, ctx: ExecutionContext): Promise<ExecutionResult> {
    const params = parseParams('restart', RestartParamsSchema, request.params);
    const { commands, fleet } = this.deps;
    if (commands.byChange(request.id).length === 0) {
      commands.request(request.id, request.targets);
      ctx.progress(`restart requested for ${request.targets.length} agent(s)`);
    }
    for (const uid of request.targets) fleet.nudge(uid);
    const rows = () => new Map(commands.byChange(request.id).map((r) => [r.uid, r]));
    let current = rows();
    const result = await awaitTargets(
      {
        uids: request.targets,
        view: (uid): TargetProgress => {
          const row = current.get(uid);
          if (!row) return { state: 'superseded', detail: 'another restart of this agent was already open' };
          if (row.status === 'confirmed') return { state: 'done', detail: row.detail };
          if (row.status === 'failed' || row.status === 'expired') return { state: 'error', detail: row.detail };
          const agent = this.deps.registry.get(uid);
          if (row.status === 'sent') return { state: 'waiting', detail: 'Restart sent; waiting for the agent to come back' };
          if (agent && !hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_AcceptsRestartCommand))
            return { state: 'waiting', detail: 'its latest message lacks AcceptsRestartCommand' };
          return { state: 'waiting', detail: agent?.connected ? 'not sent yet' : 'offline; sent if it reconnects in time' };
        },
        timeoutSeconds: params.timeoutSeconds,
        pendingWaitSeconds: 0,
        subscribe: (wake) => {
          const onChange = () => {
            current = rows();
            wake();
          };
          commands.events.on('changed', onChange);
          return () => commands.events.off('changed', onChange);
        },
        registry: this.deps.registry,
        now: this.deps.now,
        previous: request.outcomes,
        verb: 'restarted',
      },
      ctx,
    );
    commands.expire(request.id, params.timeoutSeconds);
    return result;
  }
}
