import { describe, expect, it } from 'vitest';
import type { RemoteConfigStatusView } from '../agent-state.js';
import { nextAttemptState, type AttemptState } from './transitions.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const st = (hash: string, status: RemoteConfigStatusView['status'], errorMessage = ''): RemoteConfigStatusView => ({ hash, status, errorMessage });

/** Runs a sequence of reported statuses through the transition function. */
function run(start: AttemptState, reports: RemoteConfigStatusView[]): string[] {
  let a = start;
  const seen: string[] = [];
  for (const r of reports) {
    const n = nextAttemptState(a, r);
    if (n) a = { ...a, ...n };
    seen.push(a.status);
  }
  return seen;
}

describe('attempt transitions', () => {
  it('follows APPLYING -> APPLIED for its own hash', () => {
    expect(run({ hash: B, status: 'offered', error: '' }, [st(B, 'APPLYING'), st(B, 'APPLIED')])).toEqual(['applying', 'applied']);
  });

  it('records FAILED with the error, and a later different hash does not revive it (opamp-spec #397)', () => {
    let a: AttemptState = { hash: B, status: 'offered', error: '' };
    for (const r of [st(A, 'APPLIED'), st(B, 'APPLYING'), st(B, 'FAILED', 'bad exporter'), st(A, 'APPLIED')]) a = { ...a, ...(nextAttemptState(a, r) ?? {}) };
    expect(a).toEqual({ hash: B, status: 'failed', error: 'bad exporter' });
  });

  it('treats going back to another config after acknowledging ours as rolled back', () => {
    expect(run({ hash: B, status: 'offered', error: '' }, [st(B, 'APPLYING'), st(A, 'APPLIED')])).toEqual(['applying', 'rolled_back']);
    expect(run({ hash: B, status: 'offered', error: '' }, [st(B, 'APPLIED'), st(A, 'APPLIED')])).toEqual(['applied', 'rolled_back']);
  });

  it('ignores the old status before the agent acknowledged ours, and an emptied status', () => {
    expect(run({ hash: B, status: 'offered', error: '' }, [st(A, 'APPLIED'), st(A, 'APPLIED'), st('', 'UNSET')])).toEqual(['offered', 'offered', 'offered']);
    expect(run({ hash: B, status: 'applied', error: '' }, [st('', 'UNSET')])).toEqual(['applied']);
  });

  it('returns undefined when nothing changes, and never moves a superseded attempt', () => {
    expect(nextAttemptState({ hash: B, status: 'failed', error: 'x' }, st(B, 'FAILED', 'x'))).toBeUndefined();
    expect(nextAttemptState({ hash: B, status: 'superseded', error: '' }, st(B, 'APPLIED'))).toBeUndefined();
    expect(nextAttemptState({ hash: B, status: 'offered', error: '' }, undefined)).toBeUndefined();
  });
});
