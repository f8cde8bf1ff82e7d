import { describe, expect, it } from 'vitest';
import type { AgentRegistry } from '../fleet/registry.js';
import { Metrics } from '../api/metrics.js';
import { observeChanges } from './change-metrics.js';
import type { ChangeEvent, ChangeRequest, ChangeState } from '../changes/types.js';

const T0 = Date.parse('2026-01-01T10:00:00Z');

function request(id: string, state: ChangeState, over: Partial<ChangeRequest> = {}): ChangeRequest {
  return { id, kind: 'restart', channel: 'slack', risk: 'medium', state, createdAt: new Date(T0).toISOString(), ...over } as ChangeRequest;
}

async function value(m: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name)!;
  const hit = metric.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return hit?.value;
}

function fixture() {
  const metrics = new Metrics({ connectedCount: 0, size: 0 } as AgentRegistry);
  let listener: ((e: ChangeEvent) => void) | undefined;
  const clock = { now: T0 };
  const subscribe = (l: (e: ChangeEvent) => void) => {
    listener = l;
    return () => {
      listener = undefined;
    };
  };
  observeChanges({ subscribe }, metrics, () => clock.now);
  return { metrics, clock, emit: (e: ChangeEvent) => listener!(e) };
}

describe('change-request metrics', () => {
  it('count proposals and each way a request leaves pending, by kind and proposal channel', async () => {
    const { metrics, emit } = fixture();
    emit({ type: 'proposed', request: request('1', 'pending') });
    emit({ type: 'proposed', request: request('2', 'pending', { kind: 'config_push', channel: 'mcp' }) });
    for (const [id, to] of [
      ['1', 'approved'],
      ['2', 'rejected'],
      ['3', 'expired'],
      ['4', 'cancelled'],
    ] as const) {
      emit({ type: 'state', request: request(id, to), from: 'pending' });
    }
    // Held by a freeze, then expired: a second decision for a request already counted as approved.
    emit({ type: 'state', request: request('5', 'expired'), from: 'approved' });
    expect(await value(metrics, 'ampgate_change_requests_proposed_total', { kind: 'restart', channel: 'slack' })).toBe(1);
    expect(await value(metrics, 'ampgate_change_requests_proposed_total', { kind: 'config_push', channel: 'mcp' })).toBe(1);
    for (const [decision, n] of [
      ['approved', 1],
      ['rejected', 1],
      ['expired', 2],
      ['cancelled', 1],
    ] as const) {
      expect(await value(metrics, 'ampgate_change_requests_decided_total', { kind: 'restart', channel: 'slack', decision }), decision).toBe(n);
    }
  });

  it('time the approval, and count and time executions and their per-agent outcomes', async () => {
    const { metrics, clock, emit } = fixture();
    clock.now = T0 + 90_000;
    emit({ type: 'state', request: request('1', 'approved'), from: 'pending' });
    emit({ type: 'state', request: request('1', 'executing'), from: 'approved' });
    emit({ type: 'outcome', request: request('1', 'executing'), outcome: { uid: 'a', status: 'succeeded', detail: '', at: '' } });
    emit({ type: 'outcome', request: request('1', 'executing'), outcome: { uid: 'b', status: 'failed', detail: '', at: '' } });
    clock.now += 12_000;
    emit({ type: 'state', request: request('1', 'partially_failed'), from: 'executing' });
    // Resumed after a restart: finished, but its start was not seen here, so it is not timed.
    emit({ type: 'state', request: request('2', 'succeeded'), from: 'executing' });

    expect(await value(metrics, 'ampgate_change_approval_seconds', { kind: 'restart', risk: 'medium', le: '120' })).toBe(1);
    expect(await value(metrics, 'ampgate_change_approval_seconds', { kind: 'restart', risk: 'medium', le: '60' })).toBe(0);
    expect(await value(metrics, 'ampgate_rollouts_started_total', { kind: 'restart' })).toBe(1);
    expect(await value(metrics, 'ampgate_rollouts_finished_total', { kind: 'restart', result: 'partially_failed' })).toBe(1);
    expect(await value(metrics, 'ampgate_rollouts_finished_total', { kind: 'restart', result: 'succeeded' })).toBe(1);
    expect(await value(metrics, 'ampgate_rollout_duration_seconds', { kind: 'restart', le: '15' })).toBe(1);
    expect(await value(metrics, 'ampgate_rollout_duration_seconds', { kind: 'restart', le: '5' })).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('ampgate_rollout_duration_seconds')).toMatch(
      /^ampgate_rollout_duration_seconds_count\{kind="restart"\} 1$/m,
    );
    expect(await value(metrics, 'ampgate_rollout_agent_outcomes_total', { kind: 'restart', status: 'failed' })).toBe(1);
  });
});
