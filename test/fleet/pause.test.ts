/**
 * Pause and resume through change requests: via the io.opentelemetry.pause custom capability, and
 * via the stand-in config fallback for agents without it. Both restore exactly the prior config;
 * agents with neither are listed as ineligible.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { AgentCapabilities, RemoteConfigStatuses } from '../../src/gen/opamp/v1/opamp_pb.js';
import { runChange, startChange } from '../support/change-driver.js';
import { PAUSE_CAPABILITY, withPause } from '../support/fleet-behaviours.js';
import { AgentPool, collectorConfig, pushVersion } from '../support/fleet-fixtures.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, ignoreReply } from '../support/ws-agent.js';

let server: TestServer | undefined;
const pool = new AgentPool();
afterEach(async () => {
  await pool.closeAll();
  await server?.stop();
  server = undefined;
});

interface RemoteConfigView {
  desired: { configHash: string; status: string } | null;
  pause: { method: string; state: string; priorConfigHash: string | null; standInConfigHash: string | null } | null;
}
const remoteConfig = async (uid: string) => (await server!.api<RemoteConfigView>('GET', `/api/agents/${uid}/remote-config`)).body;
const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');

describe('pause and resume', () => {
  it('uses io.opentelemetry.pause when the agent lists it, leaving its config alone', async () => {
    server = await startTestServer();
    const agent = await pool.start(server, { customCapabilities: [PAUSE_CAPABILITY] });
    const behaviour = withPause(agent);
    const stubborn = await pool.start(server, { customCapabilities: [PAUSE_CAPABILITY] });
    withPause(stubborn, { refuse: 'pipelines are locked by the operator' });
    const configBefore = { ...agent.effectiveConfig };

    const paused = await runChange(server, { kind: 'pause', target: { selector: 'service.name=checkout' } });
    expect(paused.started.preview.summary).toBe(`Pause 2 agents (2 via ${PAUSE_CAPABILITY}, 0 with a stand-in config)`);
    expect(paused.started.risk).toBe('high'); // every known agent
    expect(paused.state).toBe('partially_failed');
    expect(paused.outcomes.get(agent.uidText)).toMatchObject({ status: 'succeeded', detail: `paused (via ${PAUSE_CAPABILITY})` });
    expect(paused.outcomes.get(stubborn.uidText)).toMatchObject({ status: 'failed', detail: 'not paused: pipelines are locked by the operator' });
    expect(behaviour).toMatchObject({ paused: true, received: ['pause'] });
    expect((await remoteConfig(agent.uidText)).pause).toMatchObject({ method: 'custom', state: 'paused' });
    expect((await remoteConfig(stubborn.uidText)).pause).toBeNull();

    // A paused agent that reconnects (it may have restarted) is told to pause again, once.
    await agent.close();
    await agent.connect();
    await agent.sendFull();
    await eventually(() => behaviour.received.length === 2);
    await agent.heartbeat();
    expect(behaviour.received).toEqual(['pause', 'pause']);

    const resumed = await runChange(server, { kind: 'resume', target: { agents: [agent.uidText] } });
    expect(resumed.state).toBe('succeeded');
    // The one risk model (src/changes/risk.ts): resuming one agent of two restarts its telemetry: medium.
    expect(resumed.started.risk).toBe('medium');
    expect(resumed.outcomes.get(agent.uidText)).toMatchObject({ status: 'succeeded', detail: 'resumed' });
    expect(behaviour).toMatchObject({ paused: false, received: ['pause', 'pause', 'resume'] });
    expect(agent.effectiveConfig).toEqual(configBefore);
    expect((await remoteConfig(agent.uidText)).pause).toBeNull();
  });

  it('tells a paused agent to pause again when it reconnects before its old connection is noticed gone', async () => {
    server = await startTestServer();
    const agent = await pool.start(server, { customCapabilities: [PAUSE_CAPABILITY] });
    const behaviour = withPause(agent);
    const paused = await runChange(server, { kind: 'pause', target: { agents: [agent.uidText] } });
    expect(paused.state).toBe('succeeded');
    expect(behaviour.received).toEqual(['pause']);
    // A new connection while the old socket still looks open to the server (half-open, or its close
    // not processed yet): the newer connection supersedes it, and it is a new connection all the same.
    await agent.connect();
    await agent.sendFull();
    await eventually(() => behaviour.received.length === 2);
    expect(behaviour).toMatchObject({ paused: true, received: ['pause', 'pause'] });
    expect(server.registry.get(agent.uidText)?.connected).toBe(true);
  });

  it('falls back to a stand-in config and restores exactly the prior config on resume', async () => {
    server = await startTestServer();
    const managed = await pool.start(server, { identifying: { 'service.name': 'gateway' } });
    const local = await pool.start(server, { identifying: { 'service.name': 'gateway' }, effectiveConfig: { 'collector.yaml': collectorConfig('otlphttp') } });
    const neither = await pool.start(server, {
      identifying: { 'service.name': 'gateway' },
      capabilities: DEFAULT_CAPS & ~BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig),
    });
    const v1 = await pushVersion(server, 'gw', collectorConfig('debug'));
    expect((await runChange(server, { kind: 'config_push', target: { agents: [managed.uidText] }, params: { config: 'gw', canary: '100%' } })).state).toBe(
      'succeeded',
    );
    const localBefore = { ...local.effectiveConfig };

    const paused = await runChange(server, { kind: 'pause', target: { selector: 'service.name=gateway' } });
    expect(paused.started.ineligible).toEqual([
      { uid: neither.uidText, reason: `has neither the ${PAUSE_CAPABILITY} custom capability nor AcceptsRemoteConfig in its latest message` },
    ]);
    expect(paused.started.preview.diffs!.map((d) => d.diff).join('')).toContain('+      receivers: [nop]');
    expect(paused.state).toBe('succeeded');
    for (const a of [managed, local]) {
      expect(Object.values(a.effectiveConfig)[0]).toContain('traces/ampgate-paused');
      expect(paused.outcomes.get(a.uidText)?.detail).toMatch(/^paused \(stand-in config [0-9a-f]{12} APPLIED; resume restores [0-9a-f]{12}\)$/);
    }
    expect(Object.keys(local.effectiveConfig)).toEqual(['collector.yaml']);
    const pm = await remoteConfig(managed.uidText);
    expect(pm.pause).toMatchObject({ method: 'config', state: 'paused', priorConfigHash: v1.configHash });

    // While paused with a stand-in, a config push would silently un-pause: the agent is ineligible.
    await pushVersion(server, 'gw', collectorConfig('logging'));
    await expect(startChange(server, { kind: 'config_push', target: { agents: [managed.uidText] }, params: { config: 'gw' } })).rejects.toThrow(
      /paused with a stand-in config/,
    );

    const resumed = await runChange(server, { kind: 'resume', target: { selector: 'service.name=gateway' } });
    expect(resumed.started.ineligible).toEqual([{ uid: neither.uidText, reason: 'not paused' }]);
    expect(resumed.state).toBe('succeeded');
    expect(managed.effectiveConfig).toEqual({ '': collectorConfig('debug') });
    expect(hex(managed.remoteConfigStatus?.hash)).toBe(v1.configHash);
    expect(local.effectiveConfig).toEqual(localBefore);
    expect((await remoteConfig(managed.uidText)).pause).toBeNull();
    expect((await remoteConfig(local.uidText)).desired).toMatchObject({ status: 'applied' });
  });

  it('reports a stand-in pause as not effective when the agent merges it onto its local config, and puts the prior config back', async () => {
    server = await startTestServer();
    // Like opamp-go's example agent: remote config is merged onto the local config, APPLIED is
    // reported, and the local pipeline keeps running next to the stand-in's.
    const localBody = collectorConfig('otlphttp');
    const merging = await pool.start(server, { applyRemoteConfig: false, effectiveConfig: { '': localBody } });
    merging.handlers.push((a, msg) => {
      const rc = msg.remoteConfig;
      if (!rc) return;
      const merged = deepMerge(
        parseYaml(localBody) as Record<string, unknown>,
        parseYaml(Buffer.from(rc.config!.configMap['']!.body).toString('utf8')) as Record<string, unknown>,
      );
      a.effectiveConfig = { '': stringifyYaml(merged) };
      a.remoteConfigStatus = { hash: rc.configHash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED, error: '' };
      a.send({
        remoteConfigStatus: { lastRemoteConfigHash: rc.configHash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED },
        effectiveConfig: a.effectiveConfigMessage(),
      }).catch(ignoreReply);
    });

    const paused = await runChange(server, { kind: 'pause', target: { agents: [merging.uidText] }, params: { timeoutSeconds: 10 } });
    expect(paused.state).toBe('failed');
    const detail = paused.outcomes.get(merging.uidText)?.detail ?? '';
    expect(detail).toMatch(
      /^not paused: not effective: the stand-in config was APPLIED, but the agent's effective config still runs pipeline traces \(receivers: otlp\)/,
    );
    expect(detail).toContain('merges remote config onto its local config');
    expect(paused.summary).not.toMatch(/paused 1\//);
    // Nothing is left half-paused: no pause row, and the prior (captured) config is assigned back.
    const view = await remoteConfig(merging.uidText);
    expect(view.pause).toBeNull();
    await eventually(async () => (await remoteConfig(merging.uidText)).desired?.status === 'applied', 5_000);
    expect(Object.values(merging.effectiveConfig)[0]).not.toContain('ampgate-paused');
  });

  it('refuses a pause with no eligible agent, naming why', async () => {
    server = await startTestServer();
    const neither = await pool.start(server, { capabilities: BigInt(AgentCapabilities.AgentCapabilities_ReportsStatus) });
    await expect(startChange(server, { kind: 'pause', target: { agents: [neither.uidText] } })).rejects.toThrow(/no agent can be paused/);
    // Without ReportsEffectiveConfig a stand-in pause could never be proven, so it is not tried.
    const blind = await pool.start(server, {
      capabilities: DEFAULT_CAPS & ~BigInt(AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig),
      effectiveConfig: { '': collectorConfig('debug') },
    });
    await expect(startChange(server, { kind: 'pause', target: { agents: [blind.uidText] } })).rejects.toThrow(
      /ReportsEffectiveConfig: ampgate could not prove that a stand-in config stops it/,
    );
  });
});

function deepMerge(dst: Record<string, unknown>, src: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(src)) {
    const d = dst[k];
    dst[k] =
      v && d && typeof v === 'object' && typeof d === 'object' && !Array.isArray(v) ? deepMerge(d as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return dst;
}
