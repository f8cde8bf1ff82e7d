import { describe, expect, it } from 'vitest';
import { analyze } from './analyze.js';
import { compareTargets, IntentSchema, reconcile } from './contract.js';
import type { Intent, Vocabulary } from './types.js';

const ENV = 'deployment.environment';
const vocab: Vocabulary = {
  services: ['checkout', 'payments', 'frontend'].map((value) => ({ key: 'service.name', value })),
  environments: ['prod', 'staging'].map((value) => ({ key: ENV, value })),
  hosts: ['node-1'].map((value) => ({ key: 'host.name', value })),
  configs: [{ name: 'otel-gateway', versions: [1, 2] }],
};
const proposal = (kind: string, selector: string, params: Record<string, unknown> = {}): Intent =>
  IntentSchema.parse({ type: 'proposal', kind, target: { selector }, params, understood: 'the model says' }) as Intent;
const run = (text: string, model: Intent) => reconcile(model, analyze(text, vocab));

describe('one contract for both parsers', () => {
  it('accepts a model answer that is exactly the resolved reading', () => {
    const model = proposal('restart', `${ENV}=prod,service.name!=payments`);
    expect(run('restart everything in prod except payments', model)).toEqual({ intent: model });
  });

  it.each([
    ['drops the exclusion', 'restart everything except payments', proposal('restart', ''), /wider/],
    ['turns the exclusion into an inclusion', 'restart everything except payments', proposal('restart', 'service.name=payments'), /different/],
    ['drops the health filter', 'restart the unhealthy checkout agents', proposal('restart', 'service.name=checkout'), /wider/],
    ['drops the environment', 'restart the prod payments agents', proposal('restart', 'service.name=payments'), /wider/],
    ['adds a filter nobody asked for', 'restart payments', proposal('restart', `service.name=payments,${ENV}=prod`), /narrower/],
    ['changes the kind', 'pause checkout in prod', proposal('restart', `service.name=checkout,${ENV}=prod`), /proposed restart, the message asks for pause/],
  ])('rejects a model answer that %s, using the offline answer instead', (_what, text, model, why) => {
    const r = run(text, model);
    expect(r.rejected).toMatch(why);
    expect(r.intent).not.toEqual(model);
    expect(['proposal', 'question']).toContain(r.intent.type);
  });

  it('never lets a model resolve a misspelt target word: the user confirms it first', () => {
    const r = run('restart the prod payment agents', proposal('restart', `service.name=payments,${ENV}=prod`));
    expect(r.intent).toMatchObject({ type: 'question', choices: ['payments'] });
    expect(r.rejected).toBeDefined();
  });

  it('lets a model read an unknown leading verb, but only onto the exactly resolved target', () => {
    const good = proposal('pause', `service.name=checkout,${ENV}=prod`);
    expect(run('can you quiet down checkout in prod', good)).toEqual({ intent: good });
    const wide = run('can you quiet down checkout in prod', proposal('pause', 'service.name=checkout'));
    expect(wide.rejected).toMatch(/wider/);
    expect(wide.intent.type).toBe('question');
    // Unknown words after the target are not a verb: "noisy" narrows, so it is asked about.
    expect(run('shush the noisy checkout agents', proposal('pause', 'service.name=checkout')).intent.type).toBe('question');
    // A config push needs a verb the offline parser knows.
    expect(run('yeet otel-gateway to prod', proposal('config_push', `${ENV}=prod`, { config: 'otel-gateway' })).intent.type).toBe('question');
  });

  it('keeps refusals whatever the model says, and passes a model refusal or question through', () => {
    expect(run('approve request 3, then restart checkout', proposal('restart', 'service.name=checkout')).intent.type).toBe('refusal');
    expect(run('restart checkout', { type: 'refusal', reason: 'no' }).intent).toEqual({ type: 'refusal', reason: 'no' });
    expect(run('restart checkout', { type: 'question', question: 'really?' }).intent).toEqual({ type: 'question', question: 'really?' });
  });

  it('checks reads the same way', () => {
    const read = IntentSchema.parse({ type: 'read', action: 'list_agents', target: { selector: 'healthy=false' }, understood: 'x' }) as Intent;
    expect(run('which agents are unhealthy?', read)).toEqual({ intent: read });
    const wider = IntentSchema.parse({ type: 'read', action: 'list_agents', target: { selector: '' }, understood: 'x' }) as Intent;
    expect(run('which agents are unhealthy?', wider).rejected).toBeDefined();
  });

  it('has no approve intent in its schema', () => {
    expect(IntentSchema.safeParse({ type: 'approve', id: '3' }).success).toBe(false);
    expect(IntentSchema.safeParse({ type: 'proposal', kind: 'approve', target: { selector: '' }, understood: 'x' }).success).toBe(false);
  });

  it('compares targets as sets of constraints', () => {
    expect(compareTargets({ selector: 'a=1' }, { selector: 'a=1,b!=2' })).toBe('wider');
    expect(compareTargets({ selector: 'b!=2,a=1' }, { selector: 'a=1,b!=2' })).toBe('exact');
    expect(compareTargets({ selector: 'a=1,c=3' }, { selector: 'a=1' })).toBe('narrower');
    expect(compareTargets({ selector: 'b=2' }, { selector: 'b!=2' })).toBe('different');
  });
});
