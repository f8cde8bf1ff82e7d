/**
 * @module The header of OpAMP WebSocket messages from the server: a varint 0 before the protobuf
 * (spec §"WebSocket Message Format"). Kept apart from wire.ts so that a wire process
 * (ws-relay-child.ts) frames replies without loading the protobuf runtime.
 */

const WS_HEADER = Uint8Array.of(0);

/** Prepends the 0x00 header to an encoded ServerToAgent. */
export function withWsHeader(payload: Uint8Array): Buffer {
  return Buffer.concat([WS_HEADER, payload]);
}
