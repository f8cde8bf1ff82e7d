import { describe, expect, it } from 'vitest';
import { describeTarget } from './target-words.js';

describe('targets in plain words', () => {
  it.each([
    ['', 'every agent in the fleet'],
    ['service.name=payments,deployment.environment=prod', 'agents with service payments, environment prod'],
    ['service.name!=payments', 'every agent except service payments'],
    ['deployment.environment=staging,service.name!=checkout', 'agents with environment staging except service checkout'],
    ['healthy=false', 'unhealthy agents'],
    ['healthy=false,service.name=checkout,host.name!=node-1', 'unhealthy agents with service checkout except host node-1'],
    ['healthy!=false', 'agents not reporting unhealthy'],
    ['k8s.cluster.name=east', 'agents with k8s.cluster.name east'],
    ['service.name!=a,service.name!=b', 'every agent except service a and service b'],
  ])('%s', (selector, words) => {
    expect(describeTarget({ selector })).toBe(words);
  });

  it('counts uid lists and shows unreadable selectors verbatim', () => {
    expect(describeTarget({ agents: ['a', 'b'] })).toBe('2 agents by uid');
    expect(describeTarget({ selector: 'nonsense' })).toBe('agents where nonsense');
  });
});
