/**
 * @module The agent record: what ampgate knows about one agent instance, and how an AgentToServer
 * report merges into it. Absent sub-messages mean "unchanged", never "cleared" (spec §Status
 * Reporting). Large sub-documents are held as canonical JSON text so that diffing is a string
 * compare and persistence needs no re-serialisation.
 */
import { createHash } from 'node:crypto';
import type { AgentToServer, AvailableComponents, ComponentDetails, ComponentHealth, EffectiveConfig, PackageStatuses } from '../gen/opamp/v1/opamp_pb.js';
import { keyValuesToJson, setOwn, type Attributes, type JsonValue } from './attributes.js';

export type Transport = 'ws' | 'http';

export interface RemoteConfigStatusView {
  /** Hex of last_remote_config_hash; empty string when the agent reported none. */
  readonly hash: string;
  readonly status: 'UNSET' | 'APPLIED' | 'APPLYING' | 'FAILED';
  readonly errorMessage: string;
}

export interface ConnectionSettingsStatusView {
  readonly hash: string;
  readonly status: 'UNSET' | 'APPLIED' | 'APPLYING' | 'FAILED';
  readonly errorMessage: string;
}

export interface AgentDescriptionView {
  readonly identifying: Attributes;
  readonly nonIdentifying: Attributes;
}

/** One file of an agent's effective config. Body is UTF-8 text (configs are text formats). */
export interface ConfigFileView {
  readonly contentType: string;
  readonly body: string;
}

/**
 * Mutable in-memory record. Owned by the AgentRegistry; other modules read it and must not mutate it.
 * `*Json` fields hold canonical JSON text (or undefined when never reported).
 */
export interface AgentRecord {
  uid: string;
  firstSeen: number;
  lastSeen: number;
  transport: Transport | undefined;
  connected: boolean;
  disconnectedAt: number | undefined;
  capabilities: bigint;
  description: AgentDescriptionView | undefined;
  /** Union of identifying and non-identifying attributes (identifying wins), for selectors. */
  attributes: Attributes;
  healthJson: string | undefined;
  /** Top-level `healthy` from the last health report (undefined: never reported). */
  healthy: boolean | undefined;
  effectiveConfigJson: string | undefined;
  /** sha256 hex of effectiveConfigJson. */
  effectiveConfigHash: string | undefined;
  remoteConfigStatus: RemoteConfigStatusView | undefined;
  packageStatusesJson: string | undefined;
  availableComponentsJson: string | undefined;
  /**
   * The stored AvailableComponents has its hash but no component map (the agent sent only the
   * hash): the server should ask for the map. Kept beside the JSON so the per-message check does
   * not parse it.
   */
  componentDetailsMissing: boolean;
  customCapabilities: readonly string[];
  connectionSettingsStatus: ConnectionSettingsStatusView | undefined;
}

/** Which parts of a record a report changed; drives persistence and domain events. */
export interface ReportChanges {
  description: boolean;
  capabilities: boolean;
  health: boolean;
  effectiveConfig: boolean;
  remoteConfigStatus: boolean;
  packageStatuses: boolean;
  availableComponents: boolean;
  customCapabilities: boolean;
  connectionSettingsStatus: boolean;
}

function noChanges(): ReportChanges {
  return {
    description: false,
    capabilities: false,
    health: false,
    effectiveConfig: false,
    remoteConfigStatus: false,
    packageStatuses: false,
    availableComponents: false,
    customCapabilities: false,
    connectionSettingsStatus: false,
  };
}

export function anyChange(c: ReportChanges): boolean {
  for (const v of Object.values(c)) if (v) return true;
  return false;
}

export function newAgentRecord(uid: string, now: number): AgentRecord {
  return {
    uid,
    firstSeen: now,
    lastSeen: now,
    transport: undefined,
    connected: false,
    disconnectedAt: undefined,
    capabilities: 0n,
    description: undefined,
    attributes: {},
    healthJson: undefined,
    healthy: undefined,
    effectiveConfigJson: undefined,
    effectiveConfigHash: undefined,
    remoteConfigStatus: undefined,
    packageStatusesJson: undefined,
    availableComponentsJson: undefined,
    componentDetailsMissing: false,
    customCapabilities: [],
    connectionSettingsStatus: undefined,
  };
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const STATUS_NAMES = ['UNSET', 'APPLIED', 'APPLYING', 'FAILED'] as const;
const statusName = (n: number): (typeof STATUS_NAMES)[number] => STATUS_NAMES[n] ?? 'UNSET';

function healthToJson(h: ComponentHealth): JsonValue {
  const components: Record<string, JsonValue> = {};
  for (const key of Object.keys(h.componentHealthMap).sort()) setOwn(components, key, healthToJson(h.componentHealthMap[key]!));
  const out: Record<string, JsonValue> = {
    healthy: h.healthy,
    status: h.status,
    lastError: h.lastError,
    startTimeUnixNano: h.startTimeUnixNano.toString(),
    statusTimeUnixNano: h.statusTimeUnixNano.toString(),
  };
  if (Object.keys(components).length > 0) out.components = components;
  if (h.attributes.length > 0) out.attributes = keyValuesToJson(h.attributes);
  return out;
}

export function effectiveConfigToFiles(ec: EffectiveConfig): Record<string, ConfigFileView> {
  const files: Record<string, ConfigFileView> = {};
  const map = ec.configMap?.configMap ?? {};
  for (const name of Object.keys(map).sort()) {
    const f = map[name]!;
    setOwn(files, name, { contentType: f.contentType, body: Buffer.from(f.body).toString('utf8') });
  }
  return files;
}

function packageStatusesToJson(p: PackageStatuses): JsonValue {
  const packages: Record<string, JsonValue> = {};
  for (const name of Object.keys(p.packages).sort()) {
    const s = p.packages[name]!;
    setOwn(packages, name, {
      agentHasVersion: s.agentHasVersion,
      agentHasHash: hex(s.agentHasHash),
      serverOfferedVersion: s.serverOfferedVersion,
      serverOfferedHash: hex(s.serverOfferedHash),
      status: s.status,
      errorMessage: s.errorMessage,
    });
  }
  return { packages, serverProvidedAllPackagesHash: hex(p.serverProvidedAllPackagesHash), errorMessage: p.errorMessage };
}

function componentDetailsToJson(d: ComponentDetails): JsonValue {
  const sub: Record<string, JsonValue> = {};
  for (const k of Object.keys(d.subComponentMap).sort()) setOwn(sub, k, componentDetailsToJson(d.subComponentMap[k]!));
  return { metadata: keyValuesToJson(d.metadata), subComponents: sub };
}

/** Whether stored AvailableComponents JSON (from availableComponentsToJson) lacks the component map. */
export function componentDetailsMissing(json: string | undefined): boolean {
  if (json === undefined) return false;
  return Object.keys((JSON.parse(json) as { components: Record<string, unknown> }).components).length === 0;
}

function availableComponentsToJson(a: AvailableComponents, previous: string | undefined): string {
  // Agents may send only the hash when unchanged; keep the previously known map in that case.
  const hash = hex(a.hash);
  if (Object.keys(a.components).length === 0 && previous) {
    const prev = JSON.parse(previous) as { hash: string };
    if (prev.hash === hash) return previous;
  }
  const components: Record<string, JsonValue> = {};
  for (const k of Object.keys(a.components).sort()) setOwn(components, k, componentDetailsToJson(a.components[k]!));
  return JSON.stringify({ hash, components });
}

/**
 * The raw effective config last merged into each record (by digest) and the JSON text it gave.
 * Agents repeat an unchanged effective config in every full state; recognising it by a SHA-256
 * of the raw files (~2 µs for 2 KB) skips UTF-8 decoding and JSON serialisation (~6 µs). The memo
 * is trusted only while the record still holds exactly that JSON text.
 */
const effectiveConfigMemo = new WeakMap<AgentRecord, { readonly digest: string; readonly json: string }>();

function effectiveConfigDigest(ec: EffectiveConfig): string {
  const h = createHash('sha256');
  const map = ec.configMap?.configMap ?? {};
  for (const name of Object.keys(map).sort()) {
    const f = map[name]!;
    // Every field length-prefixed, so different file sets never produce the same input.
    h.update(`${Buffer.byteLength(name)}:${name}${Buffer.byteLength(f.contentType)}:${f.contentType}${f.body.length}:`);
    h.update(f.body);
  }
  return h.digest('base64');
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

function unionAttributes(d: AgentDescriptionView): Attributes {
  return { ...d.nonIdentifying, ...d.identifying };
}

/**
 * Merges the status fields of `msg` into `rec` and reports what changed. Pure with respect to
 * everything but `rec`. Liveness fields (lastSeen, connected, transport) are the caller's business.
 */
export function applyReport(rec: AgentRecord, msg: AgentToServer): ReportChanges {
  const ch = noChanges();
  if (msg.capabilities !== rec.capabilities) {
    rec.capabilities = msg.capabilities;
    ch.capabilities = true;
  }
  if (msg.agentDescription) {
    const next: AgentDescriptionView = {
      identifying: keyValuesToJson(msg.agentDescription.identifyingAttributes),
      nonIdentifying: keyValuesToJson(msg.agentDescription.nonIdentifyingAttributes),
    };
    if (JSON.stringify(next) !== JSON.stringify(rec.description)) {
      rec.description = next;
      rec.attributes = unionAttributes(next);
      ch.description = true;
    }
  }
  if (msg.health) {
    const json = JSON.stringify(healthToJson(msg.health));
    if (json !== rec.healthJson) {
      rec.healthJson = json;
      rec.healthy = msg.health.healthy;
      ch.health = true;
    }
  }
  if (msg.effectiveConfig) {
    const digest = effectiveConfigDigest(msg.effectiveConfig);
    const memo = effectiveConfigMemo.get(rec);
    if (memo === undefined || memo.digest !== digest || memo.json !== rec.effectiveConfigJson) {
      const json = JSON.stringify(effectiveConfigToFiles(msg.effectiveConfig));
      effectiveConfigMemo.set(rec, { digest, json });
      if (json !== rec.effectiveConfigJson) {
        rec.effectiveConfigJson = json;
        rec.effectiveConfigHash = sha256Hex(json);
        ch.effectiveConfig = true;
      }
    }
  }
  if (msg.remoteConfigStatus) {
    const s = msg.remoteConfigStatus;
    const next: RemoteConfigStatusView = { hash: hex(s.lastRemoteConfigHash), status: statusName(s.status), errorMessage: s.errorMessage };
    const prev = rec.remoteConfigStatus;
    if (!prev || prev.hash !== next.hash || prev.status !== next.status || prev.errorMessage !== next.errorMessage) {
      rec.remoteConfigStatus = next;
      ch.remoteConfigStatus = true;
    }
  }
  if (msg.packageStatuses) {
    const json = JSON.stringify(packageStatusesToJson(msg.packageStatuses));
    if (json !== rec.packageStatusesJson) {
      rec.packageStatusesJson = json;
      ch.packageStatuses = true;
    }
  }
  if (msg.availableComponents) {
    const json = availableComponentsToJson(msg.availableComponents, rec.availableComponentsJson);
    if (json !== rec.availableComponentsJson) {
      rec.availableComponentsJson = json;
      rec.componentDetailsMissing = componentDetailsMissing(json);
      ch.availableComponents = true;
    }
  }
  if (msg.customCapabilities) {
    const next = [...msg.customCapabilities.capabilities].sort();
    if (next.join('\n') !== rec.customCapabilities.join('\n')) {
      rec.customCapabilities = next;
      ch.customCapabilities = true;
    }
  }
  if (msg.connectionSettingsStatus) {
    const s = msg.connectionSettingsStatus;
    const next: ConnectionSettingsStatusView = {
      hash: hex(s.lastConnectionSettingsHash),
      status: statusName(s.status),
      errorMessage: s.errorMessage,
    };
    const prev = rec.connectionSettingsStatus;
    if (!prev || prev.hash !== next.hash || prev.status !== next.status || prev.errorMessage !== next.errorMessage) {
      rec.connectionSettingsStatus = next;
      ch.connectionSettingsStatus = true;
    }
  }
  return ch;
}
