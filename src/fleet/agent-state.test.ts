import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AgentToServerSchema } from '../gen/opamp/v1/opamp_pb.js';
import { applyReport, newAgentRecord, sha256Hex } from './agent-state.js';

function withConfig(files: Record<string, { body: string; contentType: string }>) {
  const configMap = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, { body: Buffer.from(f.body), contentType: f.contentType }]));
  return create(AgentToServerSchema, { capabilities: 1n, effectiveConfig: { configMap: { configMap } } });
}

describe('applyReport: effective config', () => {
  it('stores the config once and reports no change while the agent repeats it', () => {
    const rec = newAgentRecord('u', 0);
    expect(applyReport(rec, withConfig({ 'a.yaml': { body: 'x: 1\n', contentType: 'text/yaml' } })).effectiveConfig).toBe(true);
    const json = rec.effectiveConfigJson;
    expect(JSON.parse(json!)).toEqual({ 'a.yaml': { contentType: 'text/yaml', body: 'x: 1\n' } });
    expect(rec.effectiveConfigHash).toBe(sha256Hex(json!));
    for (let i = 0; i < 3; i++) expect(applyReport(rec, withConfig({ 'a.yaml': { body: 'x: 1\n', contentType: 'text/yaml' } })).effectiveConfig).toBe(false);
    expect(rec.effectiveConfigJson).toBe(json);
  });

  it('detects every kind of change: body, content type, file name, added file', () => {
    const rec = newAgentRecord('u', 0);
    const variants: Array<Record<string, { body: string; contentType: string }>> = [
      { 'a.yaml': { body: 'x: 1\n', contentType: 'text/yaml' } },
      { 'a.yaml': { body: 'x: 2\n', contentType: 'text/yaml' } },
      { 'a.yaml': { body: 'x: 2\n', contentType: 'application/yaml' } },
      { 'b.yaml': { body: 'x: 2\n', contentType: 'application/yaml' } },
      { 'b.yaml': { body: 'x: 2\n', contentType: 'application/yaml' }, c: { body: '', contentType: '' } },
      // Same concatenated bytes as a name/type/body split differently must still differ.
      { 'b.yaml': { body: 'x: 2\n', contentType: 'application/yam' }, c: { body: 'l', contentType: '' } },
    ];
    const seen = new Set<string>();
    for (const v of variants) {
      expect(applyReport(rec, withConfig(v)).effectiveConfig).toBe(true);
      expect(JSON.parse(rec.effectiveConfigJson!)).toEqual(
        Object.fromEntries(Object.entries(v).map(([k, f]) => [k, { contentType: f.contentType, body: f.body }])),
      );
      seen.add(rec.effectiveConfigJson!);
    }
    expect(seen.size).toBe(variants.length);
  });

  it('recomputes when the stored config no longer matches what was last merged (record replaced or edited)', () => {
    const rec = newAgentRecord('u', 0);
    applyReport(rec, withConfig({ '': { body: 'a\n', contentType: 'text/plain' } }));
    rec.effectiveConfigJson = undefined; // e.g. a record built from another source
    expect(applyReport(rec, withConfig({ '': { body: 'a\n', contentType: 'text/plain' } })).effectiveConfig).toBe(true);
    expect(JSON.parse(rec.effectiveConfigJson!)).toEqual({ '': { contentType: 'text/plain', body: 'a\n' } });
    const fresh = { ...rec }; // a different record object holding the same JSON: no memo, same outcome
    expect(applyReport(fresh, withConfig({ '': { body: 'a\n', contentType: 'text/plain' } })).effectiveConfig).toBe(false);
  });
});
