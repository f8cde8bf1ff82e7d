/**
 * Every privilege change and catalog change is audited (hash-chained, same transaction) and logged:
 * API tokens created and revoked (each a role grant), enrollment tokens created, rotated and
 * retired, config versions uploaded. Rows and log lines hold ids and fingerprints, never a secret.
 * A language model (MCP channel) cannot change privileges at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/changes/audit.js';
import { fingerprint, TOKEN_PATTERN } from '../../src/shared/secrets.js';
import { createLogger } from '../../src/shared/log.js';
import { collectorConfig } from '../support/fleet-fixtures.js';
import { LogCapture } from '../support/creds.js';
import { ADMIN_TOKEN, removeDir, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
});

const rows = (s: TestServer, action: string): AuditEntry[] => s.changes.audit.list({ limit: 1000 }).filter((e) => e.action === action);

describe('privilege and catalog changes are audited and logged', () => {
  it('API tokens, enrollment tokens and config uploads each leave an audit row and a log line', async () => {
    const logs = new LogCapture();
    server = await startTestServer({ logLevel: 'info' }, undefined, { logger: createLogger('info', logs) });
    const adminId = server.apiTokens.verify(ADMIN_TOKEN)!.id;
    const secrets: string[] = [ADMIN_TOKEN];

    // First start: the admin and enrollment tokens were registered by the system.
    expect(rows(server, 'token.created')[0]).toMatchObject({ actor: 'system', data: { token: { name: 'admin', role: 'admin', origin: 'env' } } });
    expect(rows(server, 'enrollment.created')[0]).toMatchObject({ actor: 'system', data: { active: 1 } });

    // API token: create (a role grant) and revoke.
    const created = await server.api<{ token: { id: string; fingerprint: string }; secret: string }>('POST', '/api/tokens', {
      name: 'ops-approver',
      role: 'approver',
    });
    expect(created.status).toBe(201);
    secrets.push(created.body.secret);
    expect((await server.api('DELETE', `/api/tokens/${created.body.token.id}`)).status).toBe(200);
    const [grant] = rows(server, 'token.created').filter((e) => e.actor === `api_token:${adminId}`);
    expect(grant).toMatchObject({
      data: {
        token: {
          id: created.body.token.id,
          name: 'ops-approver',
          role: 'approver',
          fingerprint: fingerprint(created.body.secret),
          owner: `api_token:${adminId}`,
          origin: 'api',
        },
        principal: { key: `api_token:${adminId}` },
      },
    });
    expect(rows(server, 'token.revoked')).toMatchObject([{ actor: `api_token:${adminId}`, data: { token: { id: created.body.token.id, role: 'approver' } } }]);

    // Enrollment: rotate (create a new one, revoke the old), then retire (revoke the last).
    const initial = (await server.api<{ tokens: Array<{ id: string }> }>('GET', '/api/enrollment-tokens')).body.tokens[0]!.id;
    const next = await server.api<{ token: { id: string; fingerprint: string }; secret: string }>('POST', '/api/enrollment-tokens');
    secrets.push(next.body.secret);
    await server.api('DELETE', `/api/enrollment-tokens/${initial}`);
    await server.api('DELETE', `/api/enrollment-tokens/${next.body.token.id}`);
    expect(rows(server, 'enrollment.created').at(-1)).toMatchObject({
      actor: `api_token:${adminId}`,
      data: { enrollmentToken: { id: next.body.token.id, fingerprint: next.body.token.fingerprint }, active: 2 },
    });
    const revoked = rows(server, 'enrollment.revoked');
    expect(revoked.map((e) => [e.data.active, e.data.retired ?? false])).toEqual([
      [1, false],
      [0, true],
    ]);

    // Catalog upload: a new version is audited; an unchanged body (no new version) is not.
    const v1 = await server.api<{ version: { configHash: string } }>('POST', '/api/configs', {
      name: 'gw',
      body: collectorConfig('debug'),
      comment: `first ${created.body.secret}`,
    });
    expect(v1.status).toBe(201);
    await server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    expect(rows(server, 'config.version_added')).toMatchObject([
      {
        actor: `api_token:${adminId}`,
        data: { config: 'gw', version: 1, configHash: v1.body.version.configHash, comment: `first [redacted token ${fingerprint(created.body.secret)}]` },
      },
    ]);

    // Logged too, fingerprints only.
    const text = logs.text();
    for (const msg of [
      'API token created',
      'API token revoked',
      'enrollment token created',
      'enrollment token revoked',
      'enrollment is retired',
      'config version added to the catalog',
    ])
      expect(text).toContain(msg);
    const audit = JSON.stringify(server.changes.audit.list({ limit: 1000 }));
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
    expect(audit.match(TOKEN_PATTERN)).toBeNull();
    expect(server.changes.audit.verify()).toMatchObject({ ok: true });
  });

  it('an LLM-driven caller (X-Ampgate-Client: mcp) cannot create or revoke tokens, even with an admin token; the refusal is audited', async () => {
    server = await startTestServer();
    const headers = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json', 'X-Ampgate-Client': 'mcp' };
    const mint = await fetch(`${server.controlUrl}/api/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: 'llm-made', role: 'admin' }) });
    expect(mint.status).toBe(403);
    const enroll = await fetch(`${server.controlUrl}/api/enrollment-tokens`, { method: 'POST', headers, body: '{}' });
    expect(enroll.status).toBe(403);
    expect(server.apiTokens.list().map((t) => t.name)).toEqual(['admin']);
    expect(rows(server, 'policy.denied').map((e) => e.data.action)).toEqual(['create_token', 'create_enrollment_token']);
  });
});
