/**
 * @module ServerToAgent messages that carry only an error (OpAMP spec, ServerErrorResponse): bad
 * requests and retry-later answers, built the same way by the transports and the domain.
 */
import { create } from '@bufbuild/protobuf';
import { ServerErrorResponseType, ServerToAgentSchema, type ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';

/** A ServerToAgent carrying only an error (spec: error_response excludes all other fields but instance_uid). */
export function errorResponse(instanceUid: Uint8Array, type: ServerErrorResponseType, message: string, retryAfterSeconds?: number): ServerToAgent {
  return create(ServerToAgentSchema, {
    instanceUid,
    errorResponse: {
      type,
      errorMessage: message,
      Details:
        retryAfterSeconds === undefined
          ? { case: undefined }
          : { case: 'retryInfo', value: { retryAfterNanoseconds: BigInt(retryAfterSeconds) * 1_000_000_000n } },
    },
  });
}

export function badRequest(instanceUid: Uint8Array, message: string): ServerToAgent {
  return errorResponse(instanceUid, ServerErrorResponseType.ServerErrorResponseType_BadRequest, message);
}

/** Answer to a message the server failed to process through no fault of the agent: retry later. */
export function internalError(instanceUid: Uint8Array = new Uint8Array(0)): ServerToAgent {
  return errorResponse(instanceUid, ServerErrorResponseType.ServerErrorResponseType_Unavailable, 'internal server error; retry later', 30);
}
