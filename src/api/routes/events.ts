/**
 * @module GET /api/events (viewer): a server-sent event stream of what changes on the control
 * plane, so the console updates without reloading. It carries notices, never state: `change`
 * (a request was proposed, approved or changed state), `rollout` (a request's per-agent outcomes
 * moved; coalesced to one notice per request every 250 ms) and `fleet` (agents connected or
 * disconnected; once a second at most). Clients fetch what they show through the REST API. The
 * caller's authentication is re-checked every heartbeat; the stream ends with `ended` when it
 * no longer holds (token revoked, console session over).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChangeEvent, ChangeRequest, ChangeService } from '../../changes/types.js';
import { AmpgateError } from '../../shared/errors.js';
import type { AgentRegistry } from '../../fleet/registry.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { principalOf, requireRole } from '../auth.js';

export interface EventStreamOptions {
  readonly heartbeatMs?: number;
  /** Open streams at most (all callers together). */
  readonly maxStreams?: number;
}

export function eventRoutes(deps: { tokens: ApiTokens; changes: ChangeService; registry: AgentRegistry }, opts: EventStreamOptions = {}) {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxStreams = opts.maxStreams ?? 200;
  return (app: FastifyInstance): void => {
    const open = new Set<() => void>();
    app.addHook('onClose', async () => {
      for (const close of [...open]) close();
    });

    app.get('/api/events', { onRequest: requireRole(deps.tokens, 'viewer') }, async (req, reply) => {
      if (req.method === 'HEAD') return reply.type('text/event-stream').send();
      if (open.size >= maxStreams) throw new AmpgateError('unavailable', `too many open event streams (${maxStreams}); retry later`);
      const stillValid = authCheck(req, deps.tokens);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.write(`retry: 3000\n\n`);
      send('hello', { at: new Date().toISOString() });

      const rollouts = new Set<string>();
      const remote = new Map<string, ChangeRequest>();
      let rolloutTimer: NodeJS.Timeout | undefined;
      let fleetTimer: NodeJS.Timeout | undefined;
      const onChange = (e: ChangeEvent) => {
        if (e.type === 'outcome' || e.type === 'progress' || e.type === 'remote') {
          // Another replica's writes (state, approvals, outcomes) come as `remote`: read again, not replayed.
          if (e.type === 'remote') remote.set(e.request.id, e.request);
          rollouts.add(e.request.id);
          rolloutTimer ??= setTimeout(() => {
            rolloutTimer = undefined;
            for (const r of remote.values()) send('change', { id: r.id, type: 'state', state: r.state, kind: r.kind });
            for (const id of rollouts) send('rollout', { id });
            remote.clear();
            rollouts.clear();
          }, 250);
          return;
        }
        send('change', {
          id: e.request.id,
          type: e.type,
          state: e.request.state,
          kind: e.request.kind,
          ...(e.type === 'approval' ? { by: e.approval.principal.name, decision: e.approval.decision } : {}),
        });
        if (e.type === 'state') send('rollout', { id: e.request.id });
      };
      const onFleet = () => {
        fleetTimer ??= setTimeout(() => {
          fleetTimer = undefined;
          send('fleet', { known: deps.registry.size, connected: deps.registry.connectedCount });
        }, 1000);
      };
      const unsubscribe = deps.changes.subscribe(onChange);
      deps.registry.events.on('connected', onFleet);
      deps.registry.events.on('disconnected', onFleet);
      const heartbeat = setInterval(() => {
        if (!stillValid()) {
          send('ended', { reason: 'authentication ended; sign in again' });
          close();
          return;
        }
        res.write(': keep-alive\n\n');
      }, heartbeatMs);

      const close = () => {
        if (!open.delete(close)) return;
        clearInterval(heartbeat);
        clearTimeout(rolloutTimer);
        clearTimeout(fleetTimer);
        unsubscribe();
        deps.registry.events.off('connected', onFleet);
        deps.registry.events.off('disconnected', onFleet);
        res.end();
      };
      open.add(close);
      req.raw.on('close', close);
      res.on('error', close);
    });
  };
}

/** Whether the caller of `req` is still authenticated (its token not revoked, its console session not over). */
function authCheck(req: FastifyRequest, tokens: ApiTokens): () => boolean {
  const principal = principalOf(req);
  return req.authStillValid ?? (() => tokens.active(principal.id) !== undefined);
}
