/**
 * @module The config catalog: named configs with immutable, validated versions. A version's
 * config map (one file under the config's file key) is registered as a remote-config payload when
 * it is written, so everything that is ever sent to an agent can be found again by its hash.
 */
import type { AuditRecorder } from '../../changes/audit.js';
import { redactSecrets } from '../../changes/input.js';
import { principalKey, principalView, type Principal } from '../../changes/principal.js';
import { AmpgateError, notFound } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { CONTROL_CHARS_MESSAGE, hasControlChars } from '../../shared/safe-text.js';
import type { ConfigsStore, ConfigVersionRow } from '../../store/ports/configs.js';
import type { UnitOfWork } from '../../store/ports/store.js';
import type { RemoteConfigStore } from '../../store/ports/remote-config.js';
import type { AgentRecord } from '../agent-state.js';
import { diffConfigs } from './diff.js';
import { bodySha256, configMapHash, filesToJson, type ConfigFiles } from './hash.js';
import { normalizeContentType, validateConfig, type ConfigProblem, CONTENT_TYPES } from './validate.js';

const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Largest config body accepted (bytes). Collector configs are kilobytes; this is generous. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/**
 * A config map key (OpAMP spec, AgentConfigMap: the key names the config file). Agents such as the
 * Supervisor write it to disk, so it is a relative path of plain segments: no "..", no leading
 * "/", no NUL, line breaks or other control characters. "" is the default (single-file) key.
 */
const FILE_KEY = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,99})(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,7}$/;

/** Where catalog uploads are recorded (audit row in the same transaction, and a log line). */
export interface CatalogRecorder {
  readonly audit: AuditRecorder;
  readonly logger: Logger;
}

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
    readonly repo: ConfigsStore,
    readonly payloads: RemoteConfigStore,
    readonly uow: UnitOfWork,
    readonly now: () => number = Date.now,
    private readonly recorder?: CatalogRecorder,
  ) {}

  /** Validates and appends a version; an unchanged body returns the latest version instead. */
  addVersion(author: Principal, input: NewVersionInput): NewVersionResult {
    if (!CONFIG_NAME.test(input.name)) {
      throw new AmpgateError('bad_request', 'config name must be 1-100 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    const contentType = normalizeContentType(input.contentType);
    if (!contentType) throw new AmpgateError('unprocessable', `unsupported content type "${input.contentType}" (use ${CONTENT_TYPES.join(', ')})`);
    if (Buffer.byteLength(input.body, 'utf8') > MAX_CONFIG_BYTES)
      throw new AmpgateError('unprocessable', `config body is larger than ${MAX_CONFIG_BYTES} bytes`);
    if (input.fileKey !== undefined && input.fileKey !== '' && !FILE_KEY.test(input.fileKey)) {
      throw new AmpgateError(
        'unprocessable',
        'fileKey must be a relative path of letters, digits, ".", "_" and "-" segments (no "..", no leading "/", no control characters), at most 8 ' +
          'segments of 100 characters',
      );
    }
    for (const [field, text] of [
      ['comment', input.comment],
      ['description', input.description],
    ] as const) {
      if (text !== undefined && hasControlChars(text)) throw new AmpgateError('unprocessable', `${field}: ${CONTROL_CHARS_MESSAGE}`);
    }
    // Tokens pasted into the free text are replaced by their fingerprints before anything stores or shows them.
    const comment = input.comment === undefined ? '' : redactSecrets(input.comment);
    const description = input.description === undefined ? undefined : redactSecrets(input.description);
    const existing = this.repo.get(input.name);
    const fileKey = existing?.file_key ?? input.fileKey ?? '';
    if (existing && input.fileKey !== undefined && input.fileKey !== existing.file_key) {
      throw new AmpgateError(
        'unprocessable',
        `config "${input.name}" sends its body under file key "${existing.file_key}"; the file key cannot change (create a new config instead)`,
      );
    }
    const validation = validateConfig(contentType, input.body);
    if (!validation.ok) throw invalidConfig(input.name, validation.problems);

    const files: ConfigFiles = { [fileKey]: { contentType, body: input.body } };
    const hash = configMapHash(files);
    const result = this.uow.durably((): NewVersionResult => {
      const latest = this.repo.latestVersion(input.name);
      const prev = latest === undefined ? undefined : this.repo.version(input.name, latest);
      if (prev && prev.config_hash === hash) return { version: prev, created: false };
      const now = this.now();
      const version = this.repo.append({
        name: input.name,
        description,
        fileKey,
        content_type: contentType,
        body: input.body,
        sha256: bodySha256(input.body),
        config_hash: hash,
        author: principalKey(author),
        author_name: author.name,
        comment,
        created_at: now,
      });
      this.payloads.putPayload(hash, filesToJson(files), `${input.name} v${version}`, now);
      const row = this.repo.version(input.name, version)!;
      this.recorder?.audit.append(principalKey(author), 'config.version_added', null, {
        principal: principalView(author),
        config: input.name,
        version,
        contentType,
        sha256: row.sha256,
        configHash: hash,
        size: Buffer.byteLength(input.body, 'utf8'),
        ...(existing ? {} : { fileKey }),
        comment,
      });
      return { version: row, created: true };
    });
    if (result.created) {
      this.recorder?.logger.info(
        { by: principalKey(author), config: input.name, version: result.version.version, configHash: hash },
        'config version added to the catalog',
      );
    }
    return result;
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

function invalidConfig(name: string, problems: readonly ConfigProblem[]): AmpgateError {
  const first = problems[0]!;
  const where = first.line === undefined ? '' : ` (line ${first.line}${first.column === undefined ? '' : `, column ${first.column}`})`;
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
  return new AmpgateError('unprocessable', `config "${name}" is invalid: ${first.message}${where}${more}`, { problems });
}
