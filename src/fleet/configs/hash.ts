/**
 * @module Config maps as sent to agents (AgentConfigMap) and their deterministic config_hash.
 *
 * config_hash = sha256 over a canonical, unambiguous encoding of the map (OpAMP spec,
 * AgentRemoteConfig Message: config_hash MUST always be set; sha256 over file names, bodies and
 * content types):
 *
 *   "ampgate-config-map/v1\n"
 *   then for each file, in ascending order of the file name's UTF-8 bytes:
 *     <byte length of name>":"<name> <byte length of content type>":"<content type> <byte length of body>":"<body>
 *
 * Every field is length-prefixed, so no choice of names or bodies can make two different maps
 * encode the same way, and the same map always hashes the same (no resend loops from a
 * non-deterministic hash).
 */
import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { AgentConfigMapSchema, type AgentConfigMap } from '../../gen/opamp/v1/opamp_pb.js';

/** One file of a config map; body is UTF-8 text (every supported format is text). */
export interface ConfigFile {
  readonly contentType: string;
  readonly body: string;
}

/** File name -> file. A single-file config uses the empty key "" (the most compatible choice). */
export type ConfigFiles = Readonly<Record<string, ConfigFile>>;

const PREFIX = 'ampgate-config-map/v1\n';

function field(h: ReturnType<typeof createHash>, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  h.update(`${bytes.length}:`);
  h.update(bytes);
}

/** Names sorted by their UTF-8 bytes (not by UTF-16 code units), so every implementation agrees. */
export function sortedNames(files: ConfigFiles): string[] {
  return Object.keys(files).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** Hex sha256 config hash of a config map. */
export function configMapHash(files: ConfigFiles): string {
  const h = createHash('sha256');
  h.update(PREFIX);
  for (const name of sortedNames(files)) {
    const f = files[name]!;
    field(h, name);
    field(h, f.contentType);
    field(h, f.body);
  }
  return h.digest('hex');
}

/** sha256 hex of a body alone (shown next to each version in the catalog). */
export function bodySha256(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** The protobuf AgentConfigMap for `files`. */
export function toAgentConfigMap(files: ConfigFiles): AgentConfigMap {
  const configMap: Record<string, { body: Uint8Array; contentType: string }> = {};
  for (const name of sortedNames(files)) {
    const f = files[name]!;
    configMap[name] = { body: new Uint8Array(Buffer.from(f.body, 'utf8')), contentType: f.contentType };
  }
  return create(AgentConfigMapSchema, { configMap });
}

/** Canonical JSON text of a config map, for storage (keys in hash order). */
export function filesToJson(files: ConfigFiles): string {
  const out: Record<string, ConfigFile> = {};
  for (const name of sortedNames(files)) out[name] = { contentType: files[name]!.contentType, body: files[name]!.body };
  return JSON.stringify(out);
}

export function filesFromJson(text: string): ConfigFiles {
  return JSON.parse(text) as ConfigFiles;
}
