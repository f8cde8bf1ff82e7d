import { describe, expect, it } from 'vitest';
import { parseCommand, parseTarget } from './commands.js';

const UID = '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70';

describe('strict /ampgate grammar', () => {
  it.each([
    ['help', { type: 'read', action: 'help' }],
    ['', { type: 'read', action: 'help' }],
    ['agents', { type: 'read', action: 'list_agents', target: { selector: '' } }],
    ['agents service.name=checkout', { type: 'read', action: 'list_agents', target: { selector: 'service.name=checkout' } }],
    [`agent ${UID}`, { type: 'read', action: 'show_agent', id: UID }],
    ['configs', { type: 'read', action: 'list_configs' }],
    ['requests', { type: 'read', action: 'list_requests' }],
    [
      'push otel-gateway@3 to deployment.environment=prod',
      { type: 'proposal', kind: 'config_push', params: { config: 'otel-gateway', version: 3 }, target: { selector: 'deployment.environment=prod' } },
    ],
    [
      'push otel-gateway to all because new exporter',
      { type: 'proposal', kind: 'config_push', params: { config: 'otel-gateway' }, target: { selector: '' }, reason: 'new exporter' },
    ],
    [`restart ${UID}`, { type: 'proposal', kind: 'restart', target: { agents: [UID] } }],
    [
      'pause service.name=checkout,deployment.environment=prod',
      { type: 'proposal', kind: 'pause', target: { selector: 'service.name=checkout,deployment.environment=prod' } },
    ],
    [
      'rotate certificate host.name=node-1',
      { type: 'proposal', kind: 'rotate_credentials', params: { credential: 'certificate' }, target: { selector: 'host.name=node-1' } },
    ],
    ['rotate service.name=checkout', { type: 'proposal', kind: 'rotate_credentials', params: { credential: 'token' } }],
    [
      'restart service.name!=payments,healthy=false because flapping',
      {
        type: 'proposal',
        kind: 'restart',
        target: { selector: 'service.name!=payments,healthy=false' },
        reason: 'flapping',
        understood: 'restart → unhealthy agents except service payments [service.name!=payments,healthy=false]',
      },
    ],
    ['agents healthy=false', { type: 'read', action: 'list_agents', target: { selector: 'healthy=false' }, understood: 'list unhealthy agents' }],
    ['requests', { type: 'read', action: 'list_requests', open: true }],
  ])('%s', (text, want) => {
    expect(parseCommand(text)).toMatchObject(want);
  });

  it('leaves sentences to the natural-language parser', () => {
    expect(parseCommand('pause the checkout collectors in prod')).toBeUndefined();
    expect(parseCommand('push otel-gateway to the prod agents')).toBeUndefined();
    expect(parseTarget('checkout in prod')).toBeUndefined();
  });
});
