import { describe, expect, it } from 'vitest';
import type { AgentRow } from '../store/ports/agents.js';
import { agentFromRow } from './agent-rows.js';

const row = (health: string | null, description: string | null = null): AgentRow => ({
  uid: 'u1',
  first_seen: 1,
  last_seen: 2,
  transport: 'ws',
  capabilities: '7',
  description,
  health,
  effective_config: null,
  effective_config_hash: null,
  remote_config_status: null,
  package_statuses: null,
  available_components: null,
  custom_capabilities: null,
  connection_settings_status: null,
  disconnected_at: null,
});

describe('agentFromRow', () => {
  it('reads healthy from the stored health document, in whatever key order it was written', () => {
    expect(agentFromRow(row('{"healthy":true,"status":"ok","lastError":""}')).healthy).toBe(true);
    expect(agentFromRow(row('{"healthy":false,"status":"down","lastError":"x"}')).healthy).toBe(false);
    expect(agentFromRow(row('{"status":"down","healthy":false}')).healthy).toBe(false);
    expect(agentFromRow(row('{"status":"starting"}')).healthy).toBeUndefined();
    expect(agentFromRow(row(null)).healthy).toBeUndefined();
    expect(agentFromRow(row('{"healthy":false,"status":"down"}')).healthJson).toBe('{"healthy":false,"status":"down"}');
  });

  it('overlays identifying attributes on the others, keeping __proto__ an own attribute', () => {
    const description = '{"identifying":{"__proto__":"x","service.name":"checkout"},"nonIdentifying":{"service.name":"old","host.name":"h1"}}';
    const a = agentFromRow(row(null, description)).attributes;
    expect(Object.keys(a)).toEqual(['service.name', 'host.name', '__proto__']);
    expect(a['service.name']).toBe('checkout');
    expect(Object.getOwnPropertyDescriptor(a, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
  });
});
