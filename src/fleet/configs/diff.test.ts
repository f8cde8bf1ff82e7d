import { describe, expect, it } from 'vitest';
import { diffConfigs } from './diff.js';

const yaml = (body: string) => ({ '': { contentType: 'text/yaml', body } });

describe('config diffs', () => {
  it('is a unified diff with labels and hunks, empty when identical', () => {
    const d = diffConfigs('gw v1', yaml('a: 1\nb: 2\nc: 3\n'), 'gw v2', yaml('a: 1\nb: 20\nc: 3\n'));
    expect(d).toBe('--- gw v1\n+++ gw v2\n@@ -1,3 +1,3 @@\n a: 1\n-b: 2\n+b: 20\n c: 3\n');
    expect(diffConfigs('x', yaml('a'), 'y', yaml('a'))).toBe('');
  });

  it('compares single files regardless of their names, and multi-file maps file by file', () => {
    const reported = { 'collector.yaml': { contentType: 'text/yaml', body: 'a: 1\n' } };
    expect(diffConfigs('agent', reported, 'gw v1', yaml('a: 2\n'))).toBe('--- agent\n+++ gw v1\n@@ -1,1 +1,1 @@\n-a: 1\n+a: 2\n');
    const multi = { 'a.yaml': { contentType: 'text/yaml', body: 'x\n' }, 'b.yaml': { contentType: 'text/yaml', body: 'y\n' } };
    const d = diffConfigs('agent', multi, 'gw v1', yaml('x\n'));
    expect(d).toContain('--- agent/a.yaml\n+++ /dev/null');
    expect(d).toContain('--- agent/b.yaml\n+++ /dev/null');
    expect(d).toContain('+x');
  });

  it('diffs against nothing when the agent reported no effective config', () => {
    expect(diffConfigs('agent', undefined, 'gw v1', yaml('a: 1'))).toBe('--- /dev/null\n+++ gw v1\n@@ -0,0 +1,1 @@\n+a: 1\n');
  });

  it('cuts very long diffs with a note', () => {
    const big = Array.from({ length: 1000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const d = diffConfigs('a', yaml(''), 'b', yaml(big), { maxLines: 50 });
    expect(d.split('\n').length).toBe(52);
    expect(d).toMatch(/more diff lines not shown/);
  });
});
