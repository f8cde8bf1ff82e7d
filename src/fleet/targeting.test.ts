import { create } from '@bufbuild/protobuf';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerSchema } from '../gen/opamp/v1/opamp_pb.js';
import { AgentsRepo } from '../store/agents-repo.js';
import { openDatabase, type Db } from '../store/db.js';
import { removeDir, tempDir } from '../../test/support/temp.js';
import { kv } from '../../test/support/ws-agent.js';
import { AmpgateError } from '../shared/errors.js';
import { AgentRegistry } from './registry.js';
import { approvalFingerprint, planFingerprint } from '../changes/fingerprint.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { canonicalTarget, labelBreakdown, resolveTargets } from './targeting.js';

const uid = (n: number) => `0190f3c4-8a6b-7c2e-9d1a-${n.toString().padStart(12, '0')}`;

describe('target resolution', () => {
  let dir: string;
  let db: Db;
  let reg: AgentRegistry;
  afterEach(() => {
    reg.close();
    db.close();
    removeDir(dir);
  });

  function setup(): void {
    dir = tempDir();
    db = openDatabase(join(dir, 'a.db'));
    reg = new AgentRegistry(new AgentsRepo(db));
    const add = (n: number, svc: string, env: string, caps: bigint) =>
      reg.report(
        uid(n),
        create(AgentToServerSchema, {
          capabilities: caps,
          agentDescription: { identifyingAttributes: kv({ 'service.name': svc, 'deployment.environment': env }) },
        }),
        'ws',
      );
    add(1, 'checkout', 'prod', 3n);
    add(2, 'checkout', 'prod', 1n);
    add(3, 'checkout', 'staging', 3n);
    add(4, 'payments', 'prod', 3n);
  }

  it('lists ineligible agents with a reason instead of dropping them', () => {
    setup();
    const r = resolveTargets(reg, { selector: 'service.name=checkout,deployment.environment=prod' }, (a) =>
      (a.capabilities & 2n) === 0n ? 'lacks AcceptsRemoteConfig' : undefined,
    );
    expect(r.agents.map((a) => a.uid)).toEqual([uid(1)]);
    expect(r.ineligible).toEqual([{ uid: uid(2), reason: 'lacks AcceptsRemoteConfig' }]);
    expect(labelBreakdown(r.agents)).toEqual({ 'service.name': { checkout: 1 }, 'deployment.environment': { prod: 1 } });
  });

  it('refuses malformed, unknown and empty targets with clear errors', () => {
    setup();
    const ok = () => undefined;
    expect(() => resolveTargets(reg, {}, ok)).toThrow(/exactly one/);
    expect(() => resolveTargets(reg, { selector: 'nope' }, ok)).toThrow(AmpgateError);
    expect(() => resolveTargets(reg, { agents: [uid(9)] }, ok)).toThrow(/unknown agents/);
    expect(() => resolveTargets(reg, { selector: 'service.name=ghost' }, ok)).toThrow(/matches no known agent/);
    // A misspelt key names its close match and the keys that exist.
    let err: AmpgateError | undefined;
    try {
      resolveTargets(reg, { selector: 'servce.name=checkout' }, ok);
    } catch (e) {
      err = e as AmpgateError;
    }
    expect(err?.code).toBe('unprocessable');
    expect(err?.message).toContain('"servce.name" (did you mean "service.name"?)');
    expect(err?.message).toContain('known attribute keys: "deployment.environment", "service.name"');
    expect(err?.details).toMatchObject({ problems: [{ clause: 'servce.name=checkout', problem: 'unknown_key', suggestions: ['service.name'] }] });
  });

  it('resolves exclusions and health exactly, and binds the approval fingerprint to the target spec', () => {
    setup();
    reg.report(uid(1), create(AgentToServerSchema, { health: { healthy: false } }), 'ws');
    reg.report(uid(4), create(AgentToServerSchema, { health: { healthy: false } }), 'ws');
    const ok = () => undefined;
    const r = resolveTargets(reg, { selector: 'service.name!=payments,healthy=false' }, ok);
    expect(r.agents.map((a) => a.uid)).toEqual([uid(1)]);
    expect(r.canonical).toBe('selector:healthy=false,service.name!=payments');
    const plan = planFingerprint('restart', {}, 'restart', [uid(1)]);
    const bySelector = approvalFingerprint(plan, r.canonical);
    expect(bySelector).toBe(approvalFingerprint(plan, canonicalTarget({ selector: 'healthy=false, service.name!=payments' })));
    expect(bySelector).not.toBe(approvalFingerprint(plan, canonicalTarget({ agents: [uid(1)] })));
    expect(bySelector).not.toBe(approvalFingerprint(plan, canonicalTarget({ selector: 'healthy=false' })));
    expect(() => resolveTargets(reg, { selector: 'healthy=sometimes' }, ok)).toThrow(/healthy takes true or false/);
  });

  it('fingerprints independently of key and target order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 1 } })).toBe('{"a":{"c":1,"d":2},"b":1}');
    expect(planFingerprint('restart', { x: 1, y: 2 }, '', [uid(2), uid(1)])).toBe(planFingerprint('restart', { y: 2, x: 1 }, '', [uid(1), uid(2)]));
    expect(planFingerprint('restart', {}, '', [uid(1)])).not.toBe(planFingerprint('restart', {}, '', [uid(2)]));
  });
});
