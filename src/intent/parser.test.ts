import { describe, expect, it } from 'vitest';
import { parseIntent } from './parser.js';
import type { Intent, Vocabulary } from './types.js';

const ENV = 'deployment.environment';
const vocab: Vocabulary = {
  services: ['checkout', 'checkout-v2', 'payments', 'frontend', 'otel-gateway'].map((value) => ({ key: 'service.name', value })),
  environments: ['prod', 'staging', 'dev'].map((value) => ({ key: ENV, value })),
  hosts: ['node-1', 'node-2'].map((value) => ({ key: 'host.name', value })),
  configs: [
    { name: 'fluentbit-v3', versions: [1] },
    { name: 'otel-gateway', versions: [1, 2, 3, 4] },
    { name: 'checkout-pipeline', versions: [1, 2] },
  ],
};
const UID = '0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70';

type Expect =
  | { kind: string; selector?: string; agents?: string[]; params?: Record<string, unknown>; reason?: string }
  | { read: string; selector?: string; id?: string }
  | { question: RegExp };

const TABLE: Array<[string, Expect]> = [
  // Proposals
  ['pause the checkout collectors in prod for now', { kind: 'pause', selector: `service.name=checkout,${ENV}=prod` }],
  ['roll fluentbit-v3 out to staging', { kind: 'config_push', selector: `${ENV}=staging`, params: { config: 'fluentbit-v3' } }],
  ['<@U0123ABC> please restart the payments agents in production', { kind: 'restart', selector: `service.name=payments,${ENV}=prod` }],
  ['resume checkout in prod', { kind: 'resume', selector: `service.name=checkout,${ENV}=prod` }],
  ['unpause the frontend collectors on staging', { kind: 'resume', selector: `service.name=frontend,${ENV}=staging` }],
  ['push otel-gateway@3 to service.name=gateway', { kind: 'config_push', selector: 'service.name=gateway', params: { config: 'otel-gateway', version: 3 } }],
  ['deploy otel-gateway v4 to prod', { kind: 'config_push', selector: `${ENV}=prod`, params: { config: 'otel-gateway', version: 4 } }],
  ['rollout otel-gateway to the dev agents', { kind: 'config_push', selector: `${ENV}=dev`, params: { config: 'otel-gateway' } }],
  [`restart ${UID}`, { kind: 'restart', agents: [UID] }],
  ['bounce node-1', { kind: 'restart', selector: 'host.name=node-1' }],
  ['rotate credentials for the payments agents in prod', { kind: 'rotate_credentials', selector: `service.name=payments,${ENV}=prod`, params: { credential: 'token' } }],
  ['rotate the client certificates of checkout in staging', { kind: 'rotate_credentials', selector: `service.name=checkout,${ENV}=staging`, params: { credential: 'certificate' } }],
  ['rekey all agents', { kind: 'rotate_credentials', selector: '', params: { credential: 'token' } }],
  ['turn off the checkout collectors in staging', { kind: 'pause', selector: `service.name=checkout,${ENV}=staging` }],
  ['pause everything', { kind: 'pause', selector: '' }],
  ['restart the whole fleet because of the memory leak', { kind: 'restart', selector: '', reason: 'the memory leak' }],
  ['pause checkout-v2 in prod', { kind: 'pause', selector: `service.name=checkout-v2,${ENV}=prod` }],
  ['please pause service.name=checkout,deployment.environment=prod', { kind: 'pause', selector: 'service.name=checkout,deployment.environment=prod' }],
  ['Pause the CHECKOUT collectors in PROD', { kind: 'pause', selector: `service.name=checkout,${ENV}=prod` }],
  ['restart frontend on node-2', { kind: 'restart', selector: 'service.name=frontend,host.name=node-2' }],
  ['suspend payments in staging since traffic is being migrated', { kind: 'pause', selector: `service.name=payments,${ENV}=staging`, reason: 'traffic is being migrated' }],
  ['ship checkout-pipeline version 2 to checkout in prod', { kind: 'config_push', selector: `service.name=checkout,${ENV}=prod`, params: { config: 'checkout-pipeline', version: 2 } }],
  ['turn the frontend agents back on in dev', { kind: 'resume', selector: `service.name=frontend,${ENV}=dev` }],
  ['restart the otel-gateway collectors', { kind: 'restart', selector: 'service.name=otel-gateway' }],
  ['roll out otel-gateway@latest to staging', { kind: 'config_push', selector: `${ENV}=staging`, params: { config: 'otel-gateway' } }],
  ['push fluentbit-v3 to every agent', { kind: 'config_push', selector: '', params: { config: 'fluentbit-v3' } }],
  ['renew the tokens for node-1', { kind: 'rotate_credentials', selector: 'host.name=node-1', params: { credential: 'token' } }],
  ['reboot the prd payments boxes', { kind: 'restart', selector: `service.name=payments,${ENV}=prod` }],
  // Reads
  ['list agents in prod', { read: 'list_agents', selector: `${ENV}=prod` }],
  ['show me the checkout agents', { read: 'list_agents', selector: 'service.name=checkout' }],
  ['which configs do we have?', { read: 'list_configs' }],
  ['show pending requests', { read: 'list_requests' }],
  [`status of ${UID}`, { read: 'show_agent', id: UID }],
  ['help', { read: 'help' }],
  ['how many agents are connected?', { read: 'list_agents', selector: '' }],
  // Questions instead of guesses
  ['pause', { question: /Which agents/ }],
  ['restart the collectors', { question: /Which agents/ }],
  ['stop the checkout collectors', { question: /pause.*restart/s }],
  ['fix the payments agents', { question: /What exactly should happen/ }],
  ["don't restart checkout", { question: /not\* want done/ }],
  ['pause the billing collectors in prod', { question: /don't know a service called "billing"/ }],
  ['push otel-gateway@9 to prod', { question: /no version 9/ }],
  ['deploy the new config to staging', { question: /Which config/ }],
  ['restart checkout and pause payments', { question: /more than one action/ }],
  ['pause checkout in prod and staging', { question: /one environment at a time/ }],
  ['restart checkout and payments', { question: /one service at a time/ }],
  ['pause checkout in qa', { question: /environment "qa"/ }],
  ['roll the dice', { question: /didn't recognise an action/ }],
  ['push to prod', { question: /Which config/ }],
  ['upgrade the checkout collectors', { question: /What exactly should happen/ }],
  ['restart the checkout collectors in prod and staging', { question: /one environment at a time/ }],
  ['never pause payments', { question: /not\* want done/ }],
];

function check(intent: Intent, want: Expect): void {
  if ('question' in want) {
    expect(intent.type, JSON.stringify(intent)).toBe('question');
    if (intent.type === 'question') expect(intent.question).toMatch(want.question);
    return;
  }
  if ('read' in want) {
    expect(intent, JSON.stringify(intent)).toMatchObject({ type: 'read', action: want.read });
    if (intent.type !== 'read') return;
    if (want.selector !== undefined) expect(intent.target?.selector).toBe(want.selector);
    if (want.id !== undefined) expect(intent.id).toBe(want.id);
    return;
  }
  expect(intent, JSON.stringify(intent)).toMatchObject({ type: 'proposal', kind: want.kind });
  if (intent.type !== 'proposal') return;
  if (want.selector !== undefined) expect(intent.target).toEqual({ selector: want.selector });
  if (want.agents !== undefined) expect(intent.target).toEqual({ agents: want.agents });
  expect(intent.params).toEqual(want.params ?? {});
  if (want.reason !== undefined) expect(intent.reason).toBe(want.reason);
  expect(intent.understood.length).toBeGreaterThan(5);
}

describe('deterministic intent parser', () => {
  it('covers at least 40 phrasings, including ambiguous ones', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(40);
    expect(TABLE.filter(([, w]) => 'question' in w).length).toBeGreaterThanOrEqual(10);
  });

  it.each(TABLE)('%s', (text, want) => {
    check(parseIntent(text, vocab), want);
  });

  it('resolves words only against values that exist in the fleet', () => {
    const empty: Vocabulary = { services: [], environments: [], hosts: [], configs: [] };
    expect(parseIntent('pause the checkout collectors in prod', empty).type).toBe('question');
    expect(parseIntent('roll fluentbit-v3 out to staging', empty).type).toBe('question');
  });

  it('maps environment synonyms to the value the fleet actually uses', () => {
    const production: Vocabulary = { ...vocab, environments: [{ key: 'deployment.environment.name', value: 'production' }] };
    const intent = parseIntent('pause payments in prod', production);
    expect(intent).toMatchObject({ type: 'proposal', target: { selector: 'service.name=payments,deployment.environment.name=production' } });
  });
});
