/**
 * @module What an agent's effective config still runs, for proving a stand-in pause. A paused
 * OpenTelemetry Collector may keep extensions (its OpAMP extension keeps the agent manageable),
 * but every pipeline must take its data only from `nop` receivers; a paused Fluent Bit has no
 * [INPUT]. An agent that merges the remote config onto a local one (opamp-go's example agent)
 * keeps its local pipelines next to the stand-in's: this is how that is found.
 */
import { yaml } from './yaml-lib.js';
import { sortedNames, type ConfigFiles } from './hash.js';
import { flavorOf } from './validate.js';

const componentType = (id: string) => id.split('/')[0]!.trim();

/** Pipelines (with their non-nop receivers) or inputs still running in `files`; empty when nothing runs. */
export function stillRunning(files: ConfigFiles): string[] {
  const out: string[] = [];
  for (const name of sortedNames(files)) {
    const f = files[name]!;
    const flavor = flavorOf(f.contentType, f.body);
    if (flavor === 'otel-collector') {
      let doc: unknown;
      try {
        doc = yaml().parse(f.body);
      } catch {
        continue;
      }
      const pipelines = ((doc as { service?: { pipelines?: unknown } } | null)?.service?.pipelines ?? {}) as Record<string, { receivers?: unknown } | null>;
      for (const [pipeline, def] of Object.entries(pipelines)) {
        const receivers = Array.isArray(def?.receivers) ? def.receivers.map(String) : [];
        const live = receivers.filter((r) => componentType(r) !== 'nop');
        if (live.length > 0) out.push(`pipeline ${pipeline} (receivers: ${live.join(', ')})`);
      }
    } else if (flavor === 'fluent-bit') {
      const inputs = [...f.body.matchAll(/^\[INPUT\][^[]*?^\s*Name\s+(\S+)/gim)].map((m) => m[1]!);
      if (inputs.length > 0) out.push(`input(s) ${inputs.join(', ')}`);
      else if (/^\[INPUT\]/im.test(f.body)) out.push('an [INPUT] section');
    }
  }
  return out;
}
