/**
 * The low-severity findings of the outside review, over real HTTP: refusals repeated at the
 * caller's rate do not each write an audit row; an agent value "__proto__" is counted in the label
 * breakdown like any other; a config file key is a plain relative path; tokens pasted into a config
 * version's comment or description are replaced by their fingerprints.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { fingerprint, newToken } from '../../src/shared/secrets.js';
import { collectorConfig, SuiteFixture } from '../support/fleet-fixtures.js';
import { personToken, startTestServer } from '../support/server.js';

const fx = new SuiteFixture();
afterEach(() => fx.close());

describe('low-severity findings', () => {
  it('300 refused approvals in a row write one audit row, not 300', async () => {
    fx.server = await startTestServer();
    const agent = await fx.pool.start(fx.server);
    const alice = personToken(fx.server, 'alice', 'approver');
    await fx.server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    const proposed = await fx.server.api<{ request: ChangeRequest }>(
      'POST',
      '/api/changes',
      { kind: 'config_push', target: { agents: [agent.uidText] }, params: { config: 'gw' }, reason: 'x' },
      alice,
    );
    expect(proposed.status).toBe(201);
    const before = fx.server.changes.audit.list({ limit: 10_000 }).length;
    for (let i = 0; i < 300; i++) expect((await fx.server.api('POST', `/api/changes/${proposed.body.request.id}/approve`, {}, alice)).status).toBe(403);
    const added = fx.server.changes.audit.list({ limit: 10_000 }).slice(before);
    expect(added.map((e) => e.action)).toEqual(['policy.denied']);
  });

  it('an agent attribute value "__proto__" shows in the label breakdown', async () => {
    fx.server = await startTestServer();
    await fx.server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    for (const svc of ['__proto__', '__proto__', 'checkout']) await fx.pool.start(fx.server, { identifying: { 'service.name': svc } });
    const r = await fx.server.api<{ request: ChangeRequest }>('POST', '/api/changes', {
      kind: 'config_push',
      target: { selector: '' },
      params: { config: 'gw' },
      reason: 'all',
    });
    expect(r.status).toBe(201);
    const breakdown = r.body.request.preview.labelBreakdown['service.name']!;
    expect(Object.entries(breakdown).sort()).toEqual([
      ['__proto__', 2],
      ['checkout', 1],
    ]);
  });

  it('config file keys are relative paths of plain segments; traversal, absolute paths, NUL and line breaks are refused', async () => {
    fx.server = await startTestServer();
    let n = 0;
    for (const fileKey of ['../../etc/passwd', 'conf/../../x', '/etc/otelcol/config.yaml', 'a\u0000b', 'x\ny.yaml', '.hidden/..', 'a//b', 'c:\\x']) {
      const r = await fx.server.api<{ error: { message: string } }>('POST', '/api/configs', { name: `k${++n}`, body: collectorConfig('debug'), fileKey });
      expect(r.status, JSON.stringify(fileKey)).toBe(422);
      expect(r.body.error.message).toMatch(/fileKey must be a relative path/);
    }
    expect(fx.server.fleetActions.catalog.repo.list()).toEqual([]);
    for (const fileKey of ['collector.yaml', 'conf.d/otel-collector.yaml', '']) {
      expect((await fx.server.api('POST', '/api/configs', { name: `ok${++n}`, body: collectorConfig('debug'), fileKey })).status).toBe(201);
    }
  });

  it('tokens in a config version comment or description are stored as fingerprints', async () => {
    fx.server = await startTestServer();
    const pasted = newToken('ampk');
    const r = await fx.server.api('POST', '/api/configs', {
      name: 'gw',
      body: collectorConfig('debug'),
      comment: `rotated ${pasted}`,
      description: `uses ${pasted}`,
    });
    expect(r.status).toBe(201);
    const cfg = await fx.server.api<{ description: string; versions: Array<{ comment: string }> }>('GET', '/api/configs/gw');
    const marker = `[redacted token ${fingerprint(pasted)}]`;
    expect(cfg.body.description).toBe(`uses ${marker}`);
    expect(cfg.body.versions[0]!.comment).toBe(`rotated ${marker}`);
    expect(JSON.stringify(cfg.body)).not.toContain(pasted);
  });
});
