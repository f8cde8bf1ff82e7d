import { describe, expect, it } from 'vitest';
import { normalise, splitReason, tokenize } from './tokens.js';

describe('chat text to tokens', () => {
  it('strips Slack markup and emphasis, and drops pasted ampgate tokens', () => {
    expect(normalise('<@U0123ABC> *restart* `checkout` in _prod_')).toBe('restart checkout in prod');
    expect(normalise('restart <#C1|prod> my_service')).toBe('restart prod my_service');
    expect(normalise('pause checkout ampk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde now')).toBe('pause checkout now');
  });

  it('splits off reasons, but not time words after "since"', () => {
    expect(splitReason('restart checkout because of the memory leak')).toEqual({ body: 'restart checkout', reason: 'the memory leak' });
    expect(splitReason('restart frontend in prod for INC-4521')).toEqual({ body: 'restart frontend in prod', reason: 'INC-4521' });
    expect(splitReason('what changed since yesterday')).toEqual({ body: 'what changed since yesterday' });
  });

  it('keeps typed clauses, uids and names together, and sentence dots apart', () => {
    const t = tokenize('pause service.name!=payments,healthy=false on node-1. 0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70 #12');
    expect(t.map((x) => `${x.type}:${x.text}`)).toEqual([
      'word:pause',
      'clause:service.name!=payments',
      'punct:,',
      'clause:healthy=false',
      'word:on',
      'word:node-1',
      'punct:.',
      'uid:0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70',
      'word:#12',
    ]);
  });
});
