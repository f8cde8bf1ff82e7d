/**
 * @module Semantic checks of an OpenTelemetry Collector config (YAML or JSON): the same wiring
 * rules the Collector enforces at startup, so a broken config is refused at upload instead of
 * FAILing on every agent of a rollout. Checked: receivers and exporters exist, service.pipelines
 * exist, every pipeline has receivers and exporters, every referenced receiver, processor,
 * exporter, connector and extension is defined, and every connector is used on both sides.
 */
import type { Document, Node } from 'yaml';
import { yaml } from './yaml-lib.js';
import type { ConfigProblem, ParsedYaml } from './validate.js';

const SECTIONS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
type Section = (typeof SECTIONS)[number];
const SIGNALS = new Set(['traces', 'metrics', 'logs', 'profiles']);
/** Component ids are `type[/name]`; the type is an identifier (Collector's componentID rule). */
const COMPONENT_ID = /^[a-zA-Z][0-9a-zA-Z_]*(\/.+)?$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Has the top-level keys of a Collector config. */
export function isCollectorShaped(v: unknown): boolean {
  return isObj(v) && ('receivers' in v || 'exporters' in v || 'service' in v);
}

class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly y: ParsedYaml) {}

  /**
   * Reports at `path` (a map key's own position when the path ends at a key, so "unknown signal"
   * points at the pipeline name), or at the closest existing ancestor.
   */
  add(path: ReadonlyArray<string | number>, message: string): void {
    const range = locate(this.y.doc.contents, path);
    if (range === undefined) return void this.problems.push({ message });
    const pos = this.y.lines.linePos(range);
    this.problems.push({ message, line: pos.line, column: pos.col });
  }
}

/** Source offset of the deepest node on `path` that exists. */
function locate(root: unknown, path: ReadonlyArray<string | number>): number | undefined {
  const { isMap, isScalar, isSeq } = yaml();
  let node = root as Node | null | undefined;
  let best = node?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) break;
      best = (pair.key as Node).range?.[0] ?? best;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else break;
  }
  return best;
}

function defined(cfg: Obj, c: Checker): Record<Section, Set<string>> {
  const out = {} as Record<Section, Set<string>>;
  for (const s of SECTIONS) {
    out[s] = new Set();
    const v = cfg[s];
    if (v === undefined || v === null) continue;
    if (!isObj(v)) {
      c.add([s], `"${s}" must be a mapping of component ids to their settings`);
      continue;
    }
    for (const id of Object.keys(v)) {
      if (!COMPONENT_ID.test(id)) c.add([s, id], `${s}: "${id}" is not a valid component id (expected type[/name], e.g. otlp or otlp/2)`);
      out[s].add(id);
    }
  }
  return out;
}

const isTemplated = (ref: string): boolean => ref.includes('${');

function refList(c: Checker, path: Array<string | number>, value: unknown, what: string, required: boolean): string[] {
  if (value === undefined || value === null) {
    if (required) c.add(path.slice(0, -1), `pipeline "${String(path[2])}" has no ${what}`);
    return [];
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    c.add(path, `pipeline "${String(path[2])}": "${String(path[3])}" must be a list of component ids`);
    return [];
  }
  const refs = value as string[];
  if (required && refs.length === 0) c.add(path, `pipeline "${String(path[2])}" has no ${what}`);
  const seen = new Set<string>();
  refs.forEach((r, i) => {
    if (seen.has(r)) c.add([...path, i], `pipeline "${String(path[2])}" references ${what.replace(/s$/, '')} "${r}" more than once`);
    seen.add(r);
  });
  return refs;
}

function checkPipelines(cfg: Obj, defs: Record<Section, Set<string>>, c: Checker): void {
  const service = cfg.service;
  if (!isObj(service)) {
    c.add(service === undefined ? [] : ['service'], service === undefined ? 'the config has no "service" section' : '"service" must be a mapping');
    return;
  }
  const pipelines = service.pipelines;
  if (!isObj(pipelines) || Object.keys(pipelines).length === 0) {
    c.add(['service', 'pipelines'], 'service.pipelines must define at least one pipeline');
    return;
  }
  const connectorAs = { receiver: new Set<string>(), exporter: new Set<string>() };
  for (const [id, p] of Object.entries(pipelines)) {
    const base = ['service', 'pipelines', id];
    const signal = id.split('/')[0]!;
    if (!SIGNALS.has(signal)) c.add(base, `pipeline "${id}": unknown signal "${signal}" (expected traces, metrics, logs or profiles, optionally /name)`);
    if (!isObj(p)) {
      c.add(base, `pipeline "${id}" must be a mapping with receivers, processors and exporters`);
      continue;
    }
    refList(c, [...base, 'receivers'], p.receivers, 'receivers', true).forEach((r, i) => {
      if (isTemplated(r)) return;
      if (defs.connectors.has(r)) connectorAs.receiver.add(r);
      else if (!defs.receivers.has(r))
        c.add([...base, 'receivers', i], `pipeline "${id}" references receiver "${r}", which is not defined under receivers (or connectors)`);
    });
    refList(c, [...base, 'processors'], p.processors, 'processors', false).forEach((r, i) => {
      if (!isTemplated(r) && !defs.processors.has(r))
        c.add([...base, 'processors', i], `pipeline "${id}" references processor "${r}", which is not defined under processors`);
    });
    refList(c, [...base, 'exporters'], p.exporters, 'exporters', true).forEach((r, i) => {
      if (isTemplated(r)) return;
      if (defs.connectors.has(r)) connectorAs.exporter.add(r);
      else if (!defs.exporters.has(r))
        c.add([...base, 'exporters', i], `pipeline "${id}" references exporter "${r}", which is not defined under exporters (or connectors)`);
    });
  }
  for (const conn of defs.connectors) {
    if (!connectorAs.exporter.has(conn) || !connectorAs.receiver.has(conn)) {
      c.add(['connectors', conn], `connector "${conn}" must be used as an exporter in one pipeline and as a receiver in another`);
    }
  }
}

function checkExtensions(cfg: Obj, defs: Record<Section, Set<string>>, c: Checker, doc: Document.Parsed): void {
  const service = cfg.service;
  if (!isObj(service) || service.extensions === undefined || service.extensions === null) return;
  const node = doc.getIn(['service', 'extensions'], true);
  if (!yaml().isSeq(node) || !Array.isArray(service.extensions)) {
    c.add(['service', 'extensions'], 'service.extensions must be a list of extension ids');
    return;
  }
  (service.extensions as unknown[]).forEach((e, i) => {
    if (typeof e !== 'string') c.add(['service', 'extensions', i], 'service.extensions entries must be extension ids');
    else if (!isTemplated(e) && !defs.extensions.has(e))
      c.add(['service', 'extensions', i], `service.extensions references "${e}", which is not defined under extensions`);
  });
}

/** Problems of a Collector-shaped document; empty when it is wired correctly. */
export function checkCollectorConfig(y: ParsedYaml): ConfigProblem[] {
  const c = new Checker(y);
  const cfg = y.doc.toJS() as Obj;
  const defs = defined(cfg, c);
  if (defs.receivers.size === 0) c.add(['receivers'], 'the config defines no receivers');
  if (defs.exporters.size === 0) c.add(['exporters'], 'the config defines no exporters');
  checkPipelines(cfg, defs, c);
  checkExtensions(cfg, defs, c, y.doc);
  return c.problems;
}
