/**
 * @module The config catalog: named configs with immutable, validated versions. A version's
 * config map (one file under the config's file key) is registered as a remote-config payload when
 * it is written, so everything that is ever sent to an agent can be found again by its hash.
 */
import type { Principal } from '../../changes/principal.js';
import { principalKey } from '../../changes/principal.js';
import { AmpgateError, notFound } from '../../errors.js';
import type { ConfigsRepo, ConfigVersionRow } from '../../store/configs-repo.js';
import { durably } from '../../store/db.js';
import type { RemoteConfigRepo } from '../../store/remote-config-repo.js';
import type { AgentRecord } from '../agent-state.js';
import { diffConfigs } from './diff.js';
import { bodySha256, configMapHash, filesToJson, type ConfigFiles } from './hash.js';
import { normalizeContentType, validateConfig, type ConfigProblem, CONTENT_TYPES } from './validate.js';

export const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Largest config body accepted (bytes). Collector configs are kilobytes; this is generous. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface NewVersionInput {
  readonly name: string;
  readonly contentType: string;
  readonly body: string;
  readonly description?: string;
  readonly comment?: string;
  /** Key of the file in the config map; fixed when the config is created. Default "". */
  readonly fileKey?: string;
}

export interface NewVersionResult {
  readonly version: ConfigVersionRow;
  /** False when the body was identical to the latest version, which is returned instead. */
  readonly created: boolean;
}

export class ConfigCatalog {
  constructor(
    readonly repo: ConfigsRepo,
    readonly payloads: RemoteConfigRepo,
    readonly now: () => number = Date.now,
  ) {}

  /** Validates and appends a version; an unchanged body returns the latest version instead. */
  addVersion(author: Principal, input: NewVersionInput): NewVersionResult {
    if (!CONFIG_NAME.test(input.name)) {
      throw new AmpgateError('bad_request', 'config name must be 1-100 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    const contentType = normalizeContentType(input.contentType);
    if (!contentType) throw new AmpgateError('unprocessable', `unsupported content type "${input.contentType}" (use ${CONTENT_TYPES.join(', ')})`);
    if (Buffer.byteLength(input.body, 'utf8') > MAX_CONFIG_BYTES) throw new AmpgateError('unprocessable', `config body is larger than ${MAX_CONFIG_BYTES} bytes`);
    const existing = this.repo.get(input.name);
    const fileKey = existing?.file_key ?? input.fileKey ?? '';
    if (existing && input.fileKey !== undefined && input.fileKey !== existing.file_key) {
      throw new AmpgateError('unprocessable', `config "${input.name}" sends its body under file key "${existing.file_key}"; the file key cannot change (create a new config instead)`);
    }
    const result = validateConfig(contentType, input.body);
    if (!result.ok) throw invalidConfig(input.name, result.problems);

    const files: ConfigFiles = { [fileKey]: { contentType, body: input.body } };
    const hash = configMapHash(files);
    return durably(this.repo.db, () => {
      const latest = this.repo.latestVersion(input.name);
      const prev = latest === undefined ? undefined : this.repo.version(input.name, latest);
      if (prev && prev.config_hash === hash) return { version: prev, created: false };
      const now = this.now();
      const version = this.repo.append({
        name: input.name,
        description: input.description,
        fileKey,
        content_type: contentType,
        body: input.body,
        sha256: bodySha256(input.body),
        config_hash: hash,
        author: principalKey(author),
        author_name: author.name,
        comment: input.comment ?? '',
        created_at: now,
      });
      this.payloads.putPayload(hash, filesToJson(files), `${input.name} v${version}`, now);
      return { version: this.repo.version(input.name, version)!, created: true };
    });
  }

  /** A version by number, or the latest when `version` is undefined; 404 when missing. */
  get(name: string, version?: number): ConfigVersionRow {
    const config = this.repo.get(name);
    if (!config) throw notFound(`config "${name}"`);
    const v = version ?? this.repo.latestVersion(name);
    const row = v === undefined ? undefined : this.repo.version(name, v);
    if (!row) throw notFound(`config "${name}" version ${version}`);
    return row;
  }

  files(v: ConfigVersionRow): ConfigFiles {
    const key = this.repo.get(v.name)?.file_key ?? '';
    return { [key]: { contentType: v.content_type, body: v.body } };
  }

  diff(name: string, from: number, to: number): string {
    const a = this.get(name, from);
    const b = this.get(name, to);
    return diffConfigs(`${name} v${from}`, this.files(a), `${name} v${to}`, this.files(b));
  }

  /** Diff from the agent's current effective config to a version ('' when identical). */
  diffAgainstAgent(agent: AgentRecord, name: string, version?: number): { version: ConfigVersionRow; diff: string; effectiveReported: boolean } {
    const v = this.get(name, version);
    const effective = effectiveFiles(agent);
    const diff = diffConfigs(`agent ${agent.uid} (effective)`, effective, `${name} v${v.version}`, this.files(v));
    return { version: v, diff, effectiveReported: effective !== undefined };
  }
}

/** The agent's effective config as reported, or undefined when it never reported one. */
export function effectiveFiles(agent: AgentRecord): ConfigFiles | undefined {
  return agent.effectiveConfigJson === undefined ? undefined : (JSON.parse(agent.effectiveConfigJson) as ConfigFiles);
}

export function invalidConfig(name: string, problems: readonly ConfigProblem[]): AmpgateError {
  const first = problems[0]!;
  const where = first.line === undefined ? '' : ` (line ${first.line}${first.column === undefined ? '' : `, column ${first.column}`})`;
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
  return new AmpgateError('unprocessable', `config "${name}" is invalid: ${first.message}${where}${more}`, { problems });
}
