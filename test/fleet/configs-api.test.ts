/**
 * The config catalog over REST and the CLI (a real `ampgate` process against a real server):
 * validation errors with the parser's message and line, immutable versions, diffs between versions
 * and against an agent's effective config, roles.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { AgentPool, collectorConfig } from '../support/fleet-fixtures.js';
import { ADMIN_TOKEN, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';

let server: TestServer | undefined;
let dir: string | undefined;
const pool = new AgentPool();
afterEach(async () => {
  await pool.closeAll();
  await server?.stop();
  server = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const cli = (args: string[], env: Record<string, string>) => runCli(args, { env, cwd: ROOT });

interface ErrorBody {
  error: { code: string; message: string; details?: { problems: Array<{ message: string; line?: number; column?: number }> } };
}

describe('config catalog API', () => {
  it('validates on upload with the message and line, and keeps versions immutable', async () => {
    server = await startTestServer();
    const bad = await server.api<ErrorBody>('POST', '/api/configs', { name: 'gw', body: 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\n otlp: {}\n' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toBe('config "gw" is invalid: YAML: All mapping items must start at the same column (line 5, column 1)');
    expect(bad.body.error.details!.problems[0]).toEqual({ message: 'YAML: All mapping items must start at the same column', line: 5, column: 1 });

    const unwired = await server.api<ErrorBody>('POST', '/api/configs', {
      name: 'gw',
      body: collectorConfig('debug').replace('exporters: [debug]', 'exporters: [otlp/nowhere]'),
    });
    expect(unwired.status).toBe(422);
    expect(unwired.body.error.message).toBe(
      'config "gw" is invalid: pipeline "traces" references exporter "otlp/nowhere", which is not defined under exporters (or connectors) (line 11, column 19)',
    );
    const json = await server.api<ErrorBody>('POST', '/api/configs', { name: 'js', contentType: 'application/json', body: '{\n  "a": 1,\n  "b" 2\n}' });
    expect(json.body.error.details!.problems[0]).toMatchObject({ line: 3, column: 7 });
    expect((await server.api<ErrorBody>('POST', '/api/configs', { name: 'x', contentType: 'application/xml', body: '<a/>' })).body.error.message).toMatch(
      /unsupported content type/,
    );
    expect((await server.api('POST', '/api/configs', { name: '../etc', body: 'a: 1' })).status).toBe(400);
    expect((await server.api('GET', '/api/configs/gw')).status).toBe(404);

    const v1 = await server.api<{ created: boolean; version: { version: number; configHash: string; sha256: string; author: string } }>(
      'POST',
      '/api/configs',
      {
        name: 'gw',
        body: collectorConfig('debug'),
        comment: 'first',
        description: 'edge gateway',
      },
    );
    expect(v1.status).toBe(201);
    expect(v1.body.version).toMatchObject({ version: 1, author: 'admin' });
    const again = await server.api<{ created: boolean; version: { version: number } }>('POST', '/api/configs', { name: 'gw', body: collectorConfig('debug') });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, version: { version: 1 } });
    const v2 = await server.api<{ version: { version: number; configHash: string } }>('POST', '/api/configs', { name: 'gw', body: collectorConfig('logging') });
    expect(v2.body.version.version).toBe(2);
    expect(v2.body.version.configHash).not.toBe(v1.body.version.configHash);

    const show = await server.api<{ description: string; fileKey: string; versions: Array<{ version: number; comment: string }> }>('GET', '/api/configs/gw');
    expect(show.body).toMatchObject({
      description: 'edge gateway',
      fileKey: '',
      versions: [
        { version: 1, comment: 'first' },
        { version: 2, comment: '' },
      ],
    });
    expect((await server.api<{ body: string }>('GET', '/api/configs/gw/versions/1')).body.body).toBe(collectorConfig('debug'));
    expect((await server.api<{ version: number }>('GET', '/api/configs/gw/versions/latest')).body.version).toBe(2);
    expect((await server.api('GET', '/api/configs/gw/versions/7')).status).toBe(404);
    const list = await server.api<{ configs: Array<{ name: string; latestVersion: number; versions: number }> }>('GET', '/api/configs');
    expect(list.body.configs).toMatchObject([{ name: 'gw', latestVersion: 2, versions: 2 }]);

    const diff = await server.api<{ from: number; to: number; diff: string }>('GET', '/api/configs/gw/diff');
    expect(diff.body).toMatchObject({ from: 1, to: 2 });
    expect(diff.body.diff).toContain('--- gw v1\n+++ gw v2\n');
    expect(diff.body.diff).toContain('-  debug: {}\n+  logging: {}');

    const agent = await pool.start(server, { effectiveConfig: { 'collector.yaml': collectorConfig('debug') } });
    const same = await server.api<{ identical: boolean; diff: string }>('GET', `/api/agents/${agent.uidText}/config-diff?config=gw&version=1`);
    expect(same.body).toMatchObject({ identical: true, diff: '' });
    const other = await server.api<{ identical: boolean; diff: string; version: number }>('GET', `/api/agents/${agent.uidText}/config-diff?config=gw`);
    expect(other.body).toMatchObject({ identical: false, version: 2 });
    expect(other.body.diff).toContain(`--- agent ${agent.uidText} (effective)\n+++ gw v2`);

    const viewer = (await server.api<{ secret: string }>('POST', '/api/tokens', { name: 'v', role: 'viewer' })).body.secret;
    expect((await server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('otlp') }, viewer)).status).toBe(403);
    expect((await server.api('GET', '/api/configs/gw', undefined, viewer)).status).toBe(200);
  });

  it('works from the CLI: push-version from a file, list, diff, and a readable validation error', async () => {
    server = await startTestServer();
    dir = tempDir();
    const env = { AMPGATE_URL: server.controlUrl, AMPGATE_TOKEN: ADMIN_TOKEN };
    writeFileSync(join(dir, 'gw.yaml'), collectorConfig('debug'));
    writeFileSync(join(dir, 'broken.yaml'), collectorConfig('debug').replace('receivers: [otlp]', 'receivers: [kafka]'));

    const p1 = await cli(['configs', 'push-version', 'gw', '--file', join(dir, 'gw.yaml'), '-m', 'initial'], env);
    expect(p1.stdout).toMatch(/^created gw v1 \(config hash [0-9a-f]{64}\)\n$/);
    expect((await server.api('POST', '/api/configs', { name: 'gw', body: collectorConfig('logging') })).status).toBe(201);
    const broken = await cli(['configs', 'push-version', 'gw', '--file', join(dir, 'broken.yaml')], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(
      'ampgate: config "gw" is invalid: pipeline "traces" references receiver "kafka", which is not defined under receivers (or connectors) (line 10, ' +
        'column 19)\n',
    );

    const list = await cli(['configs', 'list'], env);
    expect(list.stdout).toMatch(/^NAME\s+LATEST\s+TYPE/);
    expect(list.stdout).toMatch(/\ngw\s+v2\s+text\/yaml/);
    const diff = await cli(['configs', 'diff', 'gw', '--from', '1', '--to', '2'], env);
    expect(diff.stdout).toContain('-  debug: {}\n+  logging: {}');
  });
});
