/**
 * @module Conversion of OpAMP AnyValue/KeyValue attributes into plain JSON values, and attribute
 * selectors (`service.name=checkout,deployment.environment!=prod,healthy=false`).
 */
import type { AnyValue, KeyValue } from '../gen/opamp/v1/anyvalue_pb.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Attributes = Record<string, JsonValue>;

function anyValueToJson(v: AnyValue | undefined): JsonValue {
  const value = v?.value;
  switch (value?.case) {
    case 'stringValue':
    case 'boolValue':
    case 'doubleValue':
      return value.value;
    case 'intValue': {
      const n = value.value;
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case 'bytesValue':
      return Buffer.from(value.value).toString('base64');
    case 'arrayValue':
      return value.value.values.map(anyValueToJson);
    case 'kvlistValue':
      return keyValuesToJson(value.value.values);
    default:
      return null;
  }
}

export function keyValuesToJson(kvs: readonly KeyValue[]): Attributes {
  const out: Attributes = {};
  for (const kv of kvs) setOwn(out, kv.key, anyValueToJson(kv.value));
  return out;
}

/**
 * `o[key] = value` for agent-supplied keys: `__proto__` becomes a plain property instead of the
 * object's prototype (which would hide it from the API and JSON while lookups still saw through it).
 */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** One `key=value` (or `key!=value`) clause of a selector. */
export interface SelectorClause {
  readonly key: string;
  readonly value: string;
  readonly negate: boolean;
}

export class SelectorSyntaxError extends Error {
  override readonly name = 'SelectorSyntaxError';
}

/**
 * The reserved selector key for the agent's reported health (OpAMP spec, ComponentHealth: the
 * top-level `healthy` of the last AgentToServer.health). `healthy=false` selects agents whose last
 * report said unhealthy; agents that never reported health match neither `healthy=true` nor
 * `healthy=false` (but do match `healthy!=true`). An agent attribute with the same name is never
 * consulted for this key.
 */
export const HEALTH_KEY = 'healthy';

/**
 * Parses `k=v,k2!=v2`. Keys and values are trimmed; an empty selector matches everything.
 * Values may not contain commas. `healthy` takes only `true` or `false`.
 */
export function parseSelector(text: string): SelectorClause[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '*') return [];
  return trimmed.split(',').map((part) => {
    const m = /^\s*([^=!\s][^=!]*?)\s*(!=|=)\s*(.*?)\s*$/.exec(part);
    if (!m || m[3] === '') throw new SelectorSyntaxError(`bad selector clause ${JSON.stringify(part)}: expected key=value or key!=value`);
    if (m[1] === HEALTH_KEY && m[3] !== 'true' && m[3] !== 'false') {
      throw new SelectorSyntaxError(`bad selector clause ${JSON.stringify(part)}: ${HEALTH_KEY} takes true or false`);
    }
    return { key: m[1]!, value: m[3]!, negate: m[2] === '!=' };
  });
}

/**
 * A selector with exclusions and a health filter added: each `exclude` entry `k=v` becomes
 * `k!=v`, and `healthy` becomes `healthy=true|false`. For the CLI flags and MCP fields that spell
 * these out. The base selector is kept as given (whoever resolves it validates it); a malformed
 * exclusion throws SelectorSyntaxError.
 */
export function withFilters(selector: string | undefined, exclude: readonly string[] = [], healthy?: boolean): string {
  const parts = selector?.trim() ? [selector.trim()] : [];
  for (const e of exclude) parts.push(exclusion(e));
  if (healthy !== undefined) parts.push(`${HEALTH_KEY}=${String(healthy)}`);
  return parts.join(',');
}

/** `k=v` (or `k!=v`) as the clause `k!=v`; throws SelectorSyntaxError unless it is exactly one clause. */
export function exclusion(text: string): string {
  const clauses = parseSelector(text);
  if (clauses.length !== 1) throw new SelectorSyntaxError(`bad exclusion ${JSON.stringify(text)}: expected one key=value`);
  return `${clauses[0]!.key}!=${clauses[0]!.value}`;
}

/** Canonical text of a parsed selector (sorted), used in idempotency keys and fingerprints. */
export function formatSelector(clauses: readonly SelectorClause[]): string {
  return clauses
    .map((c) => `${c.key}${c.negate ? '!=' : '='}${c.value}`)
    .sort()
    .join(',');
}

function attrText(v: JsonValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * True when every clause holds against the union of identifying and non-identifying attributes,
 * with `healthy` read from the reported health (undefined: never reported).
 */
export function matchesSelector(clauses: readonly SelectorClause[], attrs: Attributes, healthy?: boolean): boolean {
  for (const c of clauses) {
    // Own properties only: `constructor` or `toString` are not attributes of every agent.
    const actual = c.key === HEALTH_KEY ? attrText(healthy) : attrText(Object.hasOwn(attrs, c.key) ? attrs[c.key] : undefined);
    const equal = actual === c.value;
    if (c.negate ? equal : !equal) return false;
  }
  return true;
}
