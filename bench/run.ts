/**
 * @module `npm run bench -- <scenario> [options]`: runs one benchmark scenario against a real
 * ampgate process with a simulated fleet, writes `bench/results/<scenario>-<timestamp>.json`,
 * folds it into `bench/results/latest.json` and regenerates the figures in bench/README.md.
 * `npm run bench -- report` only regenerates the README from latest.json; `list` shows scenarios.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Harness, type ScenarioOptions } from './lib/harness.js';
import { busyTimeline, formatProfile, summariseProfile } from './lib/profile-summary.js';
import { readLatest, saveResult, updateReadme } from './lib/results.js';
import { findScenario, SCENARIOS, type ScenarioDef } from './scenarios/index.js';

const BENCH = fileURLToPath(new URL('./', import.meta.url));
const DEFAULT_RESULTS = join(BENCH, 'results');

const USAGE = `usage: npm run bench -- <scenario> [options]
       npm run bench -- report        regenerate bench/README.md figures from latest.json
       npm run bench -- list          list scenarios
       npm run bench -- profile <file.cpuprofile> [top] [fromMs-toMs]   summarise a --profile run

options:
  --agents N          simulated agents (scenario default)
  --duration S        measured phase length in seconds (scenario default)
  --heartbeat S       agent heartbeat interval (default 30)
  --http N            agents that poll over plain HTTP instead of WebSocket (default 0)
  --workers N         load-generator processes (default: 1 per 10,000 agents)
  --connect-rate N    new connections per second while the fleet connects (default 900)
  --no-baseline       skip the same-run baseline
  --profile           run the server with --cpu-prof (profiles in <results>/profiles)
  --timeout S         hard limit for the whole run (default: derived from the options)
  --results DIR       where to write results (default bench/results)
  --keep              keep the temp work directory (server logs, database)
  --set key=value     scenario-specific knob, repeatable (see bench/README.md)`;

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      agents: { type: 'string' },
      duration: { type: 'string' },
      heartbeat: { type: 'string' },
      http: { type: 'string' },
      workers: { type: 'string' },
      'connect-rate': { type: 'string' },
      'no-baseline': { type: 'boolean' },
      profile: { type: 'boolean' },
      timeout: { type: 'string' },
      results: { type: 'string' },
      keep: { type: 'boolean' },
      set: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { values, positionals };
}

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function profileCommand(args: string[]): number {
  const file = args[0];
  if (!file) {
    process.stderr.write('usage: npm run bench -- profile <file.cpuprofile> [top] [fromMs-toMs]\n');
    return 2;
  }
  const range = args[2] ? /^(\d+)-(\d+)$/.exec(args[2]) : undefined;
  const window = range ? { fromMs: Number(range[1]), toMs: Number(range[2]) } : undefined;
  process.stdout.write(`busy timeline: ${busyTimeline(file)}\n\n${formatProfile(summariseProfile(file, Number(args[1] ?? 25), window))}\n`);
  return 0;
}

type Values = ReturnType<typeof parse>['values'];

/** Runs one scenario with the parsed options, saves its result and prints the figures. */
async function runScenario(def: ScenarioDef, values: Values, resultsDir: string): Promise<number> {
  const extra: Record<string, string> = {};
  for (const kv of values.set ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) {
      process.stderr.write(`--set expects key=value, got ${JSON.stringify(kv)}\n`);
      return 2;
    }
    extra[kv.slice(0, i)] = kv.slice(i + 1);
  }
  let opts: Omit<ScenarioOptions, 'timeoutS'>;
  try {
    opts = {
      agents: positiveInt('agents', values.agents, def.defaults.agents),
      durationS: positiveInt('duration', values.duration, def.defaults.durationS),
      heartbeatS: positiveInt('heartbeat', values.heartbeat, def.defaults.heartbeatS ?? 30),
      httpAgents: positiveInt('http', values.http, def.defaults.httpAgents ?? 0, 0),
      workers: values.workers === undefined ? def.defaults.workers : positiveInt('workers', values.workers, 1),
      connectRate: positiveInt('connect-rate', values['connect-rate'], def.defaults.connectRate ?? 900),
      baseline: !values['no-baseline'] && (def.defaults.baseline ?? true),
      profile: values.profile ?? false,
      resultsDir,
      keepWorkDir: values.keep ?? false,
      log: (line) => process.stderr.write(`${line}\n`),
      extra,
    };
    if (!def.httpSeparate && opts.httpAgents > opts.agents) throw new Error('--http cannot exceed --agents');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const timeoutS = positiveInt('timeout', values.timeout, def.timeoutS(opts));
  const harness = new Harness({ ...opts, timeoutS });
  const result = harness.withContention(await harness.run(() => def.run(harness)));
  const file = saveResult(resultsDir, result);
  if (resultsDir === DEFAULT_RESULTS) updateReadme(join(BENCH, 'README.md'), readLatest(join(resultsDir, 'latest.json')));
  for (const f of result.figures) {
    const target = f.target ? ` (target ${f.target.op} ${f.target.value} ${f.unit}: ${f.pass ? 'met' : 'MISSED'})` : '';
    const base = f.baseline ? ` [${f.baseline.name}: ${f.baseline.value} ${f.unit}, ratio ${f.baseline.ratio}]` : '';
    process.stdout.write(`${f.name}: ${f.value} ${f.unit}${target}${base}\n`);
  }
  for (const c of result.checks) process.stdout.write(`check ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
  process.stdout.write(`result: ${file}\n`);
  return result.ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  const resultsDir = values.results ?? DEFAULT_RESULTS;
  if (command === 'list') {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(18)} ${s.description}\n`);
    return 0;
  }
  if (command === 'profile') return profileCommand(positionals.slice(1));
  if (command === 'report') {
    const ok = updateReadme(join(BENCH, 'README.md'), readLatest(join(resultsDir, 'latest.json')));
    process.stdout.write(ok ? 'bench/README.md updated\n' : 'bench/README.md has no figures markers\n');
    return ok ? 0 : 1;
  }
  const def = findScenario(command);
  if (!def) {
    process.stderr.write(`unknown scenario ${JSON.stringify(command)}; one of: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  return runScenario(def, values, resultsDir);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
