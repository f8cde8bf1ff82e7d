/**
 * @module Bounds on what an agent may describe itself with (OpAMP spec, AgentDescription:
 * identifying and non-identifying attributes). Without them an agent could store megabytes of
 * attributes per record, kept in memory, in SQLite and in every /api/agents answer, up to the
 * message size. A description beyond a bound is refused as a whole with a message naming the
 * setting; the agent's previous description stays.
 */
import type { AnyValue, KeyValue } from '../gen/opamp/v1/anyvalue_pb.js';
import type { AgentDescription } from '../gen/opamp/v1/opamp_pb.js';

export interface AttributeLimits {
  /** Attributes in all (identifying plus non-identifying, nested entries and array items included). */
  readonly maxAttributes: number;
  /** Bytes of one top-level attribute (key plus value, nested content included). */
  readonly maxAttributeBytes: number;
  /** Bytes of the whole description. */
  readonly maxDescriptionBytes: number;
}

export const DEFAULT_ATTRIBUTE_LIMITS: AttributeLimits = { maxAttributes: 256, maxAttributeBytes: 4096, maxDescriptionBytes: 64 * 1024 };

interface Tally {
  count: number;
  bytes: number;
}

function tallyValue(v: AnyValue | undefined, t: Tally): void {
  const value = v?.value;
  switch (value?.case) {
    case 'stringValue':
      t.bytes += Buffer.byteLength(value.value, 'utf8');
      return;
    case 'bytesValue':
      t.bytes += value.value.length;
      return;
    case 'arrayValue':
      for (const item of value.value.values) {
        t.count++;
        tallyValue(item, t);
      }
      return;
    case 'kvlistValue':
      tallyKeyValues(value.value.values, t);
      return;
    default:
      t.bytes += 8;
  }
}

function tallyKeyValues(kvs: readonly KeyValue[], t: Tally): void {
  for (const kv of kvs) {
    t.count++;
    t.bytes += Buffer.byteLength(kv.key, 'utf8');
    tallyValue(kv.value, t);
  }
}

/** Why `desc` is refused (one clear sentence naming the setting), or undefined when it fits. */
export function descriptionProblem(desc: AgentDescription, limits: AttributeLimits): string | undefined {
  const total: Tally = { count: 0, bytes: 0 };
  for (const kv of [...desc.identifyingAttributes, ...desc.nonIdentifyingAttributes]) {
    const one: Tally = { count: 0, bytes: 0 };
    tallyKeyValues([kv], one);
    if (one.bytes > limits.maxAttributeBytes) {
      return (
        `agent_description attribute "${kv.key.slice(0, 64)}" is ${one.bytes} bytes; at most ${limits.maxAttributeBytes} are accepted ` +
        `(AMPGATE_MAX_AGENT_ATTRIBUTE_BYTES); the description was not stored`
      );
    }
    total.count += one.count;
    total.bytes += one.bytes;
  }
  if (total.count > limits.maxAttributes) {
    return (
      `agent_description has ${total.count} attributes; at most ${limits.maxAttributes} are accepted (AMPGATE_MAX_AGENT_ATTRIBUTES); the ` +
      `description was not stored`
    );
  }
  if (total.bytes > limits.maxDescriptionBytes) {
    return (
      `agent_description is ${total.bytes} bytes; at most ${limits.maxDescriptionBytes} are accepted (AMPGATE_MAX_AGENT_DESCRIPTION_BYTES); the ` +
      `description was not stored`
    );
  }
  return undefined;
}
