/**
 * @module Decoding AgentToServer with its two large, rarely changing sub-messages deferred.
 * A full state repeats the agent description and the effective config in every message (OpAMP
 * spec, Status Reporting: an agent sends its full state on connect and whenever asked), and
 * decoding and diffing them was most of a full status's CPU. The decoder sets their bytes aside
 * with a 52-bit digest; the fields are decoded on first read (a getter on the message), so code
 * that reads them sees exactly what a plain decode gives, while the registry compares digests
 * first and never reads an unchanged sub-message.
 */
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { hash } from 'node:crypto';
import { AgentDescriptionSchema, AgentToServerSchema, EffectiveConfigSchema, type AgentToServer } from '../gen/opamp/v1/opamp_pb.js';

/** Thrown for any frame or payload that cannot be an AgentToServer. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

export type DeferredField = 'agentDescription' | 'effectiveConfig';

/** Tags (field << 3 | length-delimited) of the deferred sub-messages in AgentToServer. */
const TAG_DESCRIPTION = (3 << 3) | 2;
const TAG_EFFECTIVE_CONFIG = (6 << 3) | 2;

/** Per message: the digests of its deferred sub-messages, and their bytes until decoded. */
interface Deferred {
  agentDescription?: number;
  effectiveConfig?: number;
  descriptionBytes?: Uint8Array;
  effectiveConfigBytes?: Uint8Array;
}
const deferred = new WeakMap<AgentToServer, Deferred>();

/** 52 bits of SHA-1 as a number (exact in a double): a cheap change detector, compared per agent. */
export function bytesDigest(bytes: Uint8Array): number {
  return Number.parseInt(hash('sha1', bytes, 'hex').slice(0, 13), 16);
}

/** Reads a varint at `pos` (at most 2^53); returns the position after it, or -1 past the end. */
function skipVarint(buf: Uint8Array, pos: number): number {
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) return -1;
    if ((buf[pos++]! & 0x80) === 0) return pos;
  }
  return -1;
}

function readLength(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 1;
  for (let i = 0; i < 8 && pos < buf.length; i++) {
    const b = buf[pos++]!;
    value += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) return [value, pos];
    shift *= 128;
  }
  return [-1, -1];
}

/**
 * Decodes an AgentToServer. The agent description and effective config, when present once each,
 * are decoded only when read; `deferredDigest` gives their digest without decoding. A sub-message
 * that turns out to be undecodable throws MalformedMessageError on first read. Anything unusual
 * (a repeated sub-message, which protobuf merges; a group; a truncated field) takes the plain
 * decoder, which also reports the errors.
 */
export function decodeAgentToServer(payload: Uint8Array): AgentToServer {
  let description: Uint8Array | undefined;
  let effectiveConfig: Uint8Array | undefined;
  let pieces: Uint8Array[] | undefined;
  let keepFrom = 0;
  let pos = 0;
  while (pos < payload.length) {
    const start = pos;
    const tag = payload[pos]!;
    if (tag >= 0x80) {
      // a field number above 15: never a deferred one
      pos = skipVarint(payload, pos);
      if (pos < 0) return plainDecode(payload);
      const [ok, next] = skipValue(payload, pos, payload[start]! & 7);
      if (!ok) return plainDecode(payload);
      pos = next;
      continue;
    }
    pos++;
    if (tag !== TAG_DESCRIPTION && tag !== TAG_EFFECTIVE_CONFIG) {
      const [ok, next] = skipValue(payload, pos, tag & 7);
      if (!ok) return plainDecode(payload);
      pos = next;
      continue;
    }
    const [len, body] = readLength(payload, pos);
    if (len < 0 || body + len > payload.length) return plainDecode(payload);
    const bytes = payload.subarray(body, body + len);
    if (tag === TAG_DESCRIPTION) {
      if (description !== undefined) return plainDecode(payload);
      description = bytes;
    } else {
      if (effectiveConfig !== undefined) return plainDecode(payload);
      effectiveConfig = bytes;
    }
    pieces ??= [];
    if (start > keepFrom) pieces.push(payload.subarray(keepFrom, start));
    pos = keepFrom = body + len;
  }
  if (pieces === undefined) return plainDecode(payload);
  if (keepFrom < payload.length) pieces.push(payload.subarray(keepFrom));
  const msg = plainDecode(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
  const d: Deferred = {};
  if (description !== undefined) {
    d.agentDescription = bytesDigest(description);
    d.descriptionBytes = description;
    Object.defineProperty(msg, 'agentDescription', LAZY_DESCRIPTION);
  }
  if (effectiveConfig !== undefined) {
    d.effectiveConfig = bytesDigest(effectiveConfig);
    d.effectiveConfigBytes = effectiveConfig;
    Object.defineProperty(msg, 'effectiveConfig', LAZY_EFFECTIVE_CONFIG);
  }
  deferred.set(msg, d);
  return msg;
}

/** Skips one field value of wire type `type` at `pos`: [false] when it is a group or runs past the end. */
function skipValue(buf: Uint8Array, pos: number, type: number): [ok: boolean, next: number] {
  let next: number;
  switch (type) {
    case 0:
      next = skipVarint(buf, pos);
      break;
    case 1:
      next = pos + 8;
      break;
    case 2: {
      const [len, body] = readLength(buf, pos);
      next = len < 0 ? -1 : body + len;
      break;
    }
    case 5:
      next = pos + 4;
      break;
    default:
      return [false, -1];
  }
  return next < 0 || next > buf.length ? [false, -1] : [true, next];
}

/** Shared accessors (no closure per message): decode on first read, a plain property from then on. */
function lazyAccessor(field: DeferredField, schema: DescMessage, bytesOf: (d: Deferred) => Uint8Array | undefined): PropertyDescriptor {
  const settle = (msg: AgentToServer, value: unknown) => Object.defineProperty(msg, field, { value, writable: true, enumerable: true, configurable: true });
  return {
    enumerable: true,
    configurable: true,
    get(this: AgentToServer) {
      let value: MessageShape<DescMessage>;
      try {
        value = fromBinary(schema, bytesOf(deferred.get(this)!)!);
      } catch (err) {
        throw malformed(err);
      }
      settle(this, value);
      return value;
    },
    set(this: AgentToServer, value: unknown) {
      settle(this, value);
    },
  };
}
const LAZY_DESCRIPTION = lazyAccessor('agentDescription', AgentDescriptionSchema, (d) => d.descriptionBytes);
const LAZY_EFFECTIVE_CONFIG = lazyAccessor('effectiveConfig', EffectiveConfigSchema, (d) => d.effectiveConfigBytes);

/** The digest of a deferred sub-message of `msg`, or undefined (absent, or decoded eagerly). */
export function deferredDigest(msg: AgentToServer, field: DeferredField): number | undefined {
  return deferred.get(msg)?.[field];
}

/**
 * Decodes a deferred sub-message now unless its digest is `known` (the one merged last), so that
 * undecodable bytes are refused before anything of the message is stored.
 */
export function decodeDeferredUnless(msg: AgentToServer, field: DeferredField, known: number | undefined): void {
  const digest = deferredDigest(msg, field);
  if (digest !== undefined && digest !== known) msg[field];
}

function plainDecode(payload: Uint8Array): AgentToServer {
  try {
    return fromBinary(AgentToServerSchema, payload);
  } catch (err) {
    throw malformed(err);
  }
}

function malformed(err: unknown): MalformedMessageError {
  return err instanceof MalformedMessageError ? err : new MalformedMessageError(`cannot decode AgentToServer: ${(err as Error).message}`);
}
