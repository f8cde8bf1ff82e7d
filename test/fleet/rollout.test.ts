/**
 * Staged config rollouts through change requests, over real sockets: WebSocket test agents and
 * the @elastic/opamp-client-node agent (HTTP) reach APPLIED with their effective configs recorded;
 * a FAILED canary or an unhealthy one halts the rollout before the rest receive anything; the
 * rollback proposal restores the previous version; a failed config is never resent in a loop; an
 * offline agent gets its config when it comes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCapabilities as ElasticCaps, createOpAMPClient, RemoteConfigStatuses as ElasticStatuses } from '@elastic/opamp-client-node';
import { AgentCapabilities, RemoteConfigStatuses } from '../../src/gen/opamp/v1/opamp_pb.js';
import type { AgentDetail } from '../../src/api/views.js';
import type { ChangeRequest } from '../../src/changes/types.js';
import { approve, driverTokens, propose, runChange } from '../support/change-driver.js';
import { offersByHash } from '../support/fleet-behaviours.js';
import { AgentPool, collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { ENROLLMENT_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, ignoreReply } from '../support/ws-agent.js';

let server: TestServer | undefined;
const pool = new AgentPool();
const clients: Array<ReturnType<typeof createOpAMPClient>> = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.shutdown().catch(() => {});
  await pool.closeAll();
  await server?.stop();
  server = undefined;
});

interface RolloutView {
  state: string;
  haltReason: string | null;
  targets: Array<{
    uid: string;
    stage: number;
    state: string;
    attempt: { status: string; error: string; effectiveConfigHash: string | null; configHash: string } | null;
  }>;
}

const failOnBad = (files: Record<string, string>) =>
  Object.values(files).some((b) => b.includes('exporters: [bad]')) ? 'exporter "bad": unknown type' : undefined;

describe('config rollouts', () => {
  it('rolls a version out to WebSocket agents and an Elastic HTTP agent, canary first, recording effective configs', async () => {
    server = await startTestServer();
    const ws = [];
    for (let i = 0; i < 4; i++) ws.push(await pool.start(server, { nonIdentifying: { 'host.name': `host-${i}` } }));
    const noRemote = await pool.start(server, { capabilities: DEFAULT_CAPS & ~BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig) });
    const bystander = await pool.start(server, { identifying: { 'service.name': 'payments' } });

    const received: Array<{ hash: string; body: string }> = [];
    const elastic = createOpAMPClient({
      endpoint: server.opampUrl.http,
      headers: { Authorization: `Bearer ${ENROLLMENT_TOKEN}` },
      capabilities: BigInt(ElasticCaps.AgentCapabilities_AcceptsRemoteConfig!) | BigInt(ElasticCaps.AgentCapabilities_ReportsRemoteConfig!),
      heartbeatIntervalSeconds: 0.2,
      onMessage: ({ remoteConfig }) => {
        if (!remoteConfig) return;
        const file = remoteConfig.config?.configMap[''];
        received.push({ hash: Buffer.from(remoteConfig.configHash).toString('hex'), body: Buffer.from(file?.body ?? []).toString('utf8') });
        elastic.setRemoteConfigStatus({ status: ElasticStatuses.RemoteConfigStatuses_APPLIED, lastRemoteConfigHash: remoteConfig.configHash });
      },
    });
    clients.push(elastic);
    elastic.setAgentDescription({ identifyingAttributes: { 'service.name': 'checkout' }, nonIdentifyingAttributes: { 'host.name': 'elastic-host' } });
    elastic.start();
    await eventually(() => server!.registry.size === 7 && [...server!.registry.all()].every((a) => a.connected), 10_000);
    const elasticUid = [...server.registry.all()].find((a) => a.transport === 'http')!.uid;

    const body = collectorConfig('debug');
    const v1 = await pushVersion(server, 'checkout-gateway', body);
    const done = await runChange(server, {
      kind: 'config_push',
      target: { selector: 'service.name=checkout' },
      params: { config: 'checkout-gateway', canary: 1, bakeSeconds: 0 },
    });
    const p = done.started.preview;

    expect(done.started.risk).toBe('medium');
    expect(p.summary).toMatch(/^Push checkout-gateway v1 \(config hash [0-9a-f]{12}…\) to 5 agents$/);
    expect(p.steps[0]).toBe('canary: 1 agent (20%), preferring connected, healthy agents that report remote config status');
    expect(p.steps[2]).toBe('then the remaining 4 agents (continuing past the canary is part of this approval)');
    expect(p.ineligible).toEqual([{ uid: noRemote.uidText, reason: 'lacks AcceptsRemoteConfig in its latest message' }]);
    expect(p.labelBreakdown['service.name']).toEqual({ checkout: 5 });
    // Diffs are grouped by identical current config: the four WebSocket agents share one.
    expect(p.diffs!.map((d) => d.agents.length).sort()).toEqual([1, 4]);
    expect(p.diffs!.find((d) => d.agents.includes(elasticUid))!.diff).toMatch(/^--- \/dev\/null\n\+\+\+ checkout-gateway v1\n/);
    expect(p.diffs!.find((d) => d.agents.length === 4)!.diff).toContain('+exporters:\n+  debug: {}');

    expect(done.state).toBe('succeeded');
    expect(done.summary).toBe('applied on 5/5.');
    for (const a of ws)
      expect(done.outcomes.get(a.uidText)).toMatchObject({ status: 'succeeded', detail: expect.stringMatching(/^APPLIED; effective config [0-9a-f]{12}$/) });
    expect(done.outcomes.get(elasticUid)).toMatchObject({ status: 'succeeded', detail: 'APPLIED (effective config not reported)' });

    const view = (await server.api<RolloutView>('GET', `/api/rollouts/${done.id}`)).body;
    expect(view.state).toBe('completed');
    expect(view.targets.filter((t) => t.stage === 1)).toHaveLength(1);
    for (const a of ws) {
      const detail = (await server.api<AgentDetail>('GET', `/api/agents/${a.uidText}`)).body;
      expect(a.effectiveConfig).toEqual({ '': body });
      expect(detail.remoteConfigStatus).toEqual({ hash: v1.configHash, status: 'APPLIED', errorMessage: '' });
      expect(view.targets.find((t) => t.uid === a.uidText)!.attempt).toMatchObject({
        status: 'applied',
        configHash: v1.configHash,
        effectiveConfigHash: detail.effectiveConfigHash,
      });
    }
    expect(received).toEqual([{ hash: v1.configHash, body }]);
    expect(offersByHash(noRemote).size).toBe(0);
    expect(offersByHash(bystander).size).toBe(0);
  });

  it('halts when the canary reports FAILED: the rest never receive it; it is not resent; the rollback restores the previous version', async () => {
    server = await startTestServer();
    const agents = [];
    for (let i = 0; i < 3; i++) agents.push(await pool.start(server, { failConfig: failOnBad }));
    const v1 = await pushVersion(server, 'gw', collectorConfig('debug'));
    expect(
      (await runChange(server, { kind: 'config_push', target: { selector: 'service.name=checkout' }, params: { config: 'gw', canary: '100%' } })).state,
    ).toBe('succeeded');

    const v2 = await pushVersion(server, 'gw', collectorConfig('bad'));
    const halted = await runChange(server, {
      kind: 'config_push',
      target: { selector: 'service.name=checkout' },
      params: { config: 'gw', canary: 1, bakeSeconds: 0 },
    });
    const [canary, ...rest] = agents;
    expect(halted.state).toBe('failed');
    expect(halted.summary).toContain(`halted: agent ${canary!.uidText} reported FAILED: exporter "bad": unknown type`);
    expect(halted.outcomes.get(canary!.uidText)).toMatchObject({ status: 'failed', detail: 'FAILED: exporter "bad": unknown type' });
    for (const a of rest) {
      expect(halted.outcomes.get(a.uidText)).toMatchObject({ status: 'skipped', detail: 'not sent: the rollout halted at stage 1' });
      expect(offersByHash(a).get(v2.configHash)).toBeUndefined();
      expect(a.effectiveConfig).toEqual({ '': collectorConfig('debug') });
    }

    // The canary keeps reporting FAILED for v2: heartbeats, a full report and a reconnect never
    // bring v2 back (no resend loop; opamp-spec issue #397).
    for (let i = 0; i < 3; i++) await canary!.heartbeat();
    await canary!.sendFull();
    await canary!.close();
    await canary!.connect();
    await canary!.sendFull();
    await canary!.heartbeat();
    expect(offersByHash(canary!).get(v2.configHash)).toBe(1);

    const plan = (
      await server.api<{
        proposals: Array<{ kind: string; target: { agents: string[] }; params: Record<string, unknown>; reason: string }>;
        notCovered: unknown[];
      }>('GET', `/api/rollouts/${halted.id}/rollback`)
    ).body;
    expect(plan.notCovered).toEqual([]);
    expect(plan.proposals).toEqual([
      {
        kind: 'config_push',
        target: { agents: [canary!.uidText] },
        params: { config: 'gw', version: 1, canary: '100%', bakeSeconds: 0, rollbackOf: halted.id },
        reason: expect.stringContaining(`Roll back change ${halted.id} (gw v2): restore gw v1 on 1 agent`),
      },
    ]);
    // "Roll back" proposes a NEW change request (pending) with exactly these inputs.
    const { proposer } = await driverTokens(server);
    const posted = await server.api<{ requests: Array<{ request: ChangeRequest; existing: boolean }> }>(
      'POST',
      `/api/rollouts/${halted.id}/rollback`,
      {},
      proposer,
    );
    expect(posted.status).toBe(201);
    const pending = posted.body.requests[0]!.request;
    expect(pending).toMatchObject({ kind: 'config_push', state: 'pending', targets: [canary!.uidText], params: plan.proposals[0]!.params });
    expect(pending.preview.summary).toMatch(new RegExp(`^Roll back ${halted.id}: push gw v1 `));
    const rolledBack = await (await approve(server, pending)).finished();
    expect(rolledBack.state).toBe('succeeded');
    expect(canary!.remoteConfigStatus!.status).toBe(1); // APPLIED
    expect(Buffer.from(canary!.remoteConfigStatus!.hash).toString('hex')).toBe(v1.configHash);
    const history = (
      await server.api<{ history: Array<{ configHash: string; status: string; changeId: string }> }>('GET', `/api/agents/${canary!.uidText}/remote-config`)
    ).body.history;
    expect(history.map((h) => [h.configHash, h.status])).toEqual([
      [v1.configHash, 'applied'],
      [v2.configHash, 'failed'],
      [v1.configHash, 'applied'],
    ]);

    // Pushing the version every agent already runs settles at once, without sending anything.
    const offers = agents.map((a) => offersByHash(a).get(v1.configHash));
    const again = await runChange(server, {
      kind: 'config_push',
      target: { selector: 'service.name=checkout' },
      params: { config: 'gw', version: 1, canary: 1, bakeSeconds: 0 },
    });
    expect(again.started.preview.details).toMatchObject({ alreadyApplied: 3 });
    expect(again.state).toBe('succeeded');
    expect(agents.map((a) => offersByHash(a).get(v1.configHash))).toEqual(offers);
  });

  it('sends nothing before the change request is approved, and the proposer cannot approve it', async () => {
    server = await startTestServer();
    const a = await pool.start(server);
    await pool.start(server, { identifying: { 'service.name': 'payments' } });
    const v1 = await pushVersion(server, 'gw', collectorConfig('debug'));
    const pending = await propose(server, { kind: 'config_push', target: { agents: [a.uidText] }, params: { config: 'gw', canary: '100%' } });
    expect(pending).toMatchObject({
      state: 'pending',
      risk: 'medium',
      requiredApprovals: 1,
      payloadFingerprint: v1.configHash,
      params: { config: 'gw', version: 1 },
    });
    const { proposer } = await driverTokens(server);
    expect((await server.api('POST', `/api/changes/${pending.id}/approve`, {}, proposer)).status).toBe(403);
    await a.heartbeat();
    await a.sendFull();
    expect(offersByHash(a).size).toBe(0);
    expect((await server.api<{ desired: unknown }>('GET', `/api/agents/${a.uidText}/remote-config`)).body.desired).toBeNull();
    const done = await (await approve(server, pending)).finished();
    expect(done.state).toBe('succeeded');
    expect(offersByHash(a).get(v1.configHash)).toBe(1);
  });

  it('halts when an agent turns unhealthy after receiving the config', async () => {
    server = await startTestServer();
    const canary = await pool.start(server);
    canary.handlers.push((a, msg) => {
      if (msg.remoteConfig) a.send({ health: { healthy: false, status: 'degraded', lastError: 'exporter queue is full' } }).catch(ignoreReply);
    });
    const other = await pool.start(server);
    const v1 = await pushVersion(server, 'gw', collectorConfig('debug'));
    const done = await runChange(server, {
      kind: 'config_push',
      target: { agents: [canary.uidText, other.uidText] },
      params: { config: 'gw', canary: 1, bakeSeconds: 2 },
    });
    expect(done.state).toBe('failed');
    expect(done.summary).toContain(`halted: agent ${canary.uidText} turned unhealthy after receiving the config: exporter queue is full`);
    expect(done.outcomes.get(canary.uidText)).toMatchObject({
      status: 'failed',
      detail: 'turned unhealthy after receiving the config: exporter queue is full',
    });
    expect(done.outcomes.get(other.uidText)?.status).toBe('skipped');
    expect(offersByHash(other).get(v1.configHash)).toBeUndefined();
  });

  it('does not halt on the unhealthy reports of an agent restarting its process while APPLYING (the OpAMP Supervisor)', async () => {
    server = await startTestServer();
    // Like the Supervisor: APPLYING, its Collector stops (unhealthy) and starts again (healthy),
    // then APPLIED with the new effective config.
    const supervised = await pool.start(server, { applyRemoteConfig: false });
    supervised.handlers.push((a, msg) => {
      const rc = msg.remoteConfig;
      if (!rc) return;
      void (async () => {
        await a.send({ remoteConfigStatus: { lastRemoteConfigHash: rc.configHash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLYING } });
        await a.send({ health: { healthy: false, status: 'StatusStopping' } });
        await new Promise((r) => setTimeout(r, 100));
        await a.send({ health: { healthy: false, status: 'StatusStarting' } });
        await a.send({ health: { healthy: true, status: 'StatusOK' } });
        await a.send({ remoteConfigStatus: { lastRemoteConfigHash: rc.configHash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED } });
      })();
    });
    const other = await pool.start(server);
    const v1 = await pushVersion(server, 'gw', collectorConfig('debug'));
    const done = await runChange(server, {
      kind: 'config_push',
      target: { agents: [supervised.uidText, other.uidText] },
      params: { config: 'gw', canary: 1, bakeSeconds: 1 },
    });
    expect(done.summary).not.toContain('unhealthy');
    expect(done.state).toBe('succeeded');
    expect(done.outcomes.get(supervised.uidText)?.status).toBe('succeeded');
    expect(offersByHash(other).get(v1.configHash)).toBe(1);
  });

  it('gives an offline agent its config when it comes back, after the request finished', async () => {
    server = await startTestServer();
    const online = await pool.start(server);
    const away = await pool.start(server);
    await away.disconnect();
    await eventually(() => server!.registry.get(away.uidText)?.connected === false);
    const v1 = await pushVersion(server, 'gw', collectorConfig('debug'));
    const done = await runChange(server, {
      kind: 'config_push',
      target: { selector: 'service.name=checkout' },
      params: { config: 'gw', canary: '100%', pendingWaitSeconds: 0 },
    });
    expect(done.state).toBe('succeeded');
    expect(done.summary).toBe('applied on 1/2; 1 offline (they receive the config when they reconnect).');
    expect(done.outcomes.get(online.uidText)?.status).toBe('succeeded');
    expect(done.outcomes.get(away.uidText)).toMatchObject({
      status: 'pending',
      detail: 'offline: receives the config when it reconnects (desired state is stored)',
    });

    await away.connect();
    await away.sendFull();
    const rc = await eventually(async () => {
      const r = (
        await server!.api<{ inSync: boolean; desired: { status: string; effectiveConfigHash: string | null } }>(
          'GET',
          `/api/agents/${away.uidText}/remote-config`,
        )
      ).body;
      return r.inSync ? r : undefined;
    });
    expect(rc.desired.status).toBe('applied');
    expect(away.effectiveConfig).toEqual({ '': collectorConfig('debug') });
    expect(offersByHash(away).get(v1.configHash)).toBe(1);
  });
});
