/**
 * @module `ampgate configs [list|show|push-version|diff|agent]`: the config catalog from the
 * command line. Adding a version never touches agents; pushing one is a change request
 * (`ampgate changes propose --kind config_push ...`).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { resolveAgentUid } from './agent-uids.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import { inline } from '../shared/safe-text.js';
import { ago, table } from './format.js';

interface VersionView {
  name: string;
  version: number;
  contentType: string;
  sha256: string;
  configHash: string;
  author: string;
  comment: string;
  createdAt: string;
  size: number;
  body?: string;
}

const BY_EXTENSION: Record<string, string> = { '.yaml': 'text/yaml', '.yml': 'text/yaml', '.json': 'application/json', '.conf': 'text/plain' };

/** Content type for a file: explicit, else by extension (.yaml/.yml, .json, .conf). */
function contentTypeFor(file: string, explicit?: string): string {
  if (explicit) return explicit;
  const t = BY_EXTENSION[extname(file).toLowerCase()];
  if (!t) throw new UsageError(`cannot tell the content type of ${file}; pass --content-type text/yaml|application/json|text/plain`);
  return t;
}

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const configs = program.command('configs').description('the config catalog: named configs with immutable versions');

  configs
    .command('list', { isDefault: true })
    .description('list configs and their latest version')
    .action(async () => {
      const res = await ctx.client().get<{
        configs: Array<{ name: string; latestVersion: number; contentType: string; latestConfigHash: string; updatedAt: string; description: string }>;
      }>('/api/configs');
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(
        table(
          ['NAME', 'LATEST', 'TYPE', 'CONFIG HASH', 'UPDATED', 'DESCRIPTION'],
          res.configs.map((c) => [c.name, `v${c.latestVersion}`, c.contentType, c.latestConfigHash.slice(0, 12), ago(c.updatedAt), c.description]),
          'no configs yet: add one with `ampgate configs push-version <name> --file <path>`',
        ),
      );
    });

  configs
    .command('show')
    .description("show a config's versions, or one version's body with --version")
    .argument('<name>')
    .option('-v, --version <n>', 'a version number or "latest": print its body')
    .action(async (name: string, o: { version?: string }) => {
      const c = ctx.client();
      if (o.version) {
        const v = await c.get<VersionView>(`/api/configs/${encodeURIComponent(name)}/versions/${encodeURIComponent(o.version)}`);
        if (ctx.json()) return ctx.out(JSON.stringify(v, null, 2));
        ctx.out(
          `# ${v.name} v${v.version} [${v.contentType}] config hash ${v.configHash} by ${v.author} ` +
            `${ago(v.createdAt)}${v.comment ? ` — ${inline(v.comment)}` : ''}`,
        );
        return ctx.out(v.body!.replace(/\n$/, ''));
      }
      const res = await c.get<{ name: string; description: string; fileKey: string; versions: VersionView[] }>(`/api/configs/${encodeURIComponent(name)}`);
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(`${res.name}${res.description ? ` — ${inline(res.description)}` : ''} (file key ${JSON.stringify(res.fileKey)})`);
      ctx.out(
        table(
          ['VERSION', 'TYPE', 'CONFIG HASH', 'SIZE', 'AUTHOR', 'CREATED', 'COMMENT'],
          res.versions.map((v) => [`v${v.version}`, v.contentType, v.configHash.slice(0, 12), String(v.size), v.author, ago(v.createdAt), v.comment]),
          '(no versions)',
        ),
      );
    });

  configs
    .command('push-version')
    .description('add a version from a file (validated; an unchanged body returns the latest version)')
    .argument('<name>')
    .requiredOption('-f, --file <path>', 'config file (.yaml, .yml, .json, .conf)')
    .option('-t, --content-type <type>', 'text/yaml | application/json | text/plain (default: by file extension)')
    .option('-m, --comment <text>', 'what changed and why')
    .option('--description <text>', 'describe the config (kept across versions)')
    .option('--file-key <key>', 'file name in the config map sent to agents (first version only; default "")')
    .action(async (name: string, o: { file: string; contentType?: string; comment?: string; description?: string; fileKey?: string }) => {
      let body: string;
      try {
        body = readFileSync(o.file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      const res = await ctx.client().post<{ created: boolean; version: VersionView }>('/api/configs', {
        name,
        body,
        contentType: contentTypeFor(o.file, o.contentType),
        ...(o.comment ? { comment: o.comment } : {}),
        ...(o.description ? { description: o.description } : {}),
        ...(o.fileKey !== undefined ? { fileKey: o.fileKey } : {}),
      });
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      const v = res.version;
      ctx.out(
        res.created
          ? `created ${v.name} v${v.version} (config hash ${v.configHash})`
          : `unchanged: ${v.name} v${v.version} already has this body (config hash ${v.configHash})`,
      );
    });

  configs
    .command('diff')
    .description("unified diff between two versions, or from an agent's effective config to a version")
    .argument('<name>')
    .option('--from <n>', 'older version (default: the one before --to)')
    .option('--to <n>', 'newer version (default: latest)')
    .option('--agent <uid>', "diff from this agent's effective config instead (uid or unique prefix)")
    .action(async (name: string, o: { from?: string; to?: string; agent?: string }) => {
      const c = ctx.client();
      let res: { diff: string; identical?: boolean };
      if (o.agent) {
        const q = new URLSearchParams({ config: name, ...(o.to ? { version: o.to } : {}) });
        res = await c.get(`/api/agents/${encodeURIComponent(await resolveAgentUid(c, o.agent))}/config-diff?${q}`);
      } else {
        const q = new URLSearchParams({ ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
        res = await c.get(`/api/configs/${encodeURIComponent(name)}/diff?${q}`);
      }
      if (ctx.json()) return ctx.out(JSON.stringify(res, null, 2));
      ctx.out(res.diff === '' ? '(identical)' : res.diff.replace(/\n$/, ''));
    });

  configs
    .command('agent')
    .description("an agent's remote config: desired, reported, history of attempts, pause state")
    .argument('<uid>', 'agent instance uid (UUID), or a unique prefix of it')
    .action(async (input: string) => {
      const c = ctx.client();
      const uid = await resolveAgentUid(c, input);
      const r = await c.get<{
        desired: { label: string; configHash: string; status: string; error: string; changeId: string } | null;
        reported: { hash: string; status: string; errorMessage: string } | null;
        inSync: boolean | null;
        history: Array<{ label: string; configHash: string; status: string; error: string; changeId: string; updatedAt: string }>;
        pause: { method: string; state: string; changeId: string } | null;
      }>(`/api/agents/${encodeURIComponent(uid)}/remote-config`);
      if (ctx.json()) return ctx.out(JSON.stringify(r, null, 2));
      ctx.out(
        `desired:  ${
          r.desired
            ? `${r.desired.label} (${r.desired.configHash.slice(0, 12)}) ${r.desired.status}${
                r.desired.error ? `: ${inline(r.desired.error)}` : ''
              } [change ${r.desired.changeId}]`
            : '-'
        }`,
      );
      ctx.out(
        `reported: ${r.reported ? `${r.reported.status} ${r.reported.hash.slice(0, 12)} ${inline(r.reported.errorMessage)}`.trimEnd() : '-'}${
          r.inSync === null ? '' : r.inSync ? ' (in sync)' : ' (not in sync)'
        }`,
      );
      ctx.out(`paused:   ${r.pause ? `${r.pause.state} via ${r.pause.method} [change ${r.pause.changeId}]` : 'no'}`);
      ctx.out(
        table(
          ['CHANGE', 'CONFIG', 'HASH', 'STATUS', 'UPDATED', 'ERROR'],
          r.history.map((h) => [h.changeId, h.label, h.configHash.slice(0, 12), h.status, ago(h.updatedAt), h.error]),
          'history:  no remote config offered to this agent yet',
        ),
      );
    });
}
