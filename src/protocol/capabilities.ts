/**
 * @module Capability bitmasks. protobuf-es maps uint64 to bigint, so every bit test goes through
 * these helpers (mixing number and bigint math silently breaks).
 */
import { AgentCapabilities, ServerCapabilities } from '../gen/opamp/v1/opamp_pb.js';

export function hasCapability(mask: bigint, cap: AgentCapabilities): boolean {
  return (mask & BigInt(cap)) !== 0n;
}

/**
 * What ampgate actually fulfils, advertised in every ServerToAgent (spec: MUST be in the first one;
 * sending it always costs a few bytes and removes the HTTP "first message" ambiguity).
 * Packages are not offered, so OffersPackages/AcceptsPackagesStatus stay clear.
 * OffersConnectionSettings is advertised unconditionally; offers themselves are gated on the agent's
 * latest AcceptsOpAMPConnectionSettings bit. AcceptsConnectionSettingsRequest only when CSRs are
 * actually signed (mtls mode with a CA); advertising it otherwise would be claimed-but-refused.
 */
export function serverCapabilities(opts: { readonly signsCertificateRequests: boolean }): bigint {
  let caps =
    BigInt(ServerCapabilities.ServerCapabilities_AcceptsStatus) |
    BigInt(ServerCapabilities.ServerCapabilities_OffersRemoteConfig) |
    BigInt(ServerCapabilities.ServerCapabilities_AcceptsEffectiveConfig) |
    BigInt(ServerCapabilities.ServerCapabilities_OffersConnectionSettings);
  if (opts.signsCertificateRequests) caps |= BigInt(ServerCapabilities.ServerCapabilities_AcceptsConnectionSettingsRequest);
  return caps;
}

const AGENT_CAPABILITY_NAMES: Array<[AgentCapabilities, string]> = Object.entries(AgentCapabilities)
  .filter(([, v]) => typeof v === 'number' && v !== 0)
  .map(([k, v]) => [v as AgentCapabilities, k.replace('AgentCapabilities_', '')]);

/** Human-readable names of the bits set in an agent capability mask, e.g. ["ReportsStatus", "AcceptsRemoteConfig"]. */
export function agentCapabilityNames(mask: bigint): string[] {
  return AGENT_CAPABILITY_NAMES.filter(([bit]) => hasCapability(mask, bit)).map(([, name]) => name);
}
