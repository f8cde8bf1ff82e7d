/**
 * @module Samples the server process while a scenario runs: RSS and CPU time from procfs, and the
 * event-loop delay and message counters from /metrics.
 *
 * Event-loop lag: prom-client's `nodejs_eventloop_lag_p99_seconds` comes from
 * `perf_hooks.monitorEventLoopDelay` with a 10 ms sampling resolution. That histogram records the
 * time between two samples, so an idle loop reads ~10 ms: the lag is the value minus the 10 ms
 * resolution. prom-client also resets the histogram at every scrape, so each sample covers the
 * window since the previous one (the sampler is the only scraper during a run).
 *
 * A scrape is not free at scale: prom-client's default `nodejs_active_handles` and
 * `process_open_fds` walk every socket, so a scrape blocks the loop for milliseconds at 19k
 * agents. Lag windows are therefore kept long (`scrapeEvery`), like a real 10-60 s scrape
 * interval, so the probe does not dominate what it measures; each scrape's duration is recorded.
 */
import { readTreeCpuMs, readTreeRssBytes } from './proc.js';
import { scrape, type PromSnapshot } from './prom.js';
import { max, median } from './stats.js';

/** monitorEventLoopDelay resolution prom-client uses (eventLoopMonitoringPrecision default). */
export const LOOP_RESOLUTION_MS = 10;

export interface Sample {
  readonly at: number;
  readonly rssBytes: number | undefined;
  /** Server CPU (user + system) in ms since the process started. */
  readonly cpuMs: number | undefined;
  /** Event-loop lag p99 / max over the window since the previous sample (ms, resolution removed). */
  readonly loopP99Ms: number | undefined;
  readonly loopMaxMs: number | undefined;
  readonly metrics: PromSnapshot | undefined;
  /** How long the /metrics request took (client side), when one was made. */
  readonly scrapeMs: number | undefined;
}

export class Sampler {
  readonly samples: Sample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inProgress: Promise<Sample> | undefined;
  #count = 0;

  constructor(
    private readonly pid: () => number,
    /** Control-plane URL to scrape /metrics from; undefined for processes without one (baselines). */
    private readonly controlUrl: (() => string) | undefined,
    private readonly intervalMs = 2_000,
    /** Scrape /metrics on every n-th sample only (procfs is read on every sample). */
    private readonly scrapeEvery = 1,
  ) {}

  /** Samples now and then every interval. */
  start(): void {
    void this.sampleNow();
    this.#timer = setInterval(() => void this.sampleNow(++this.#count % this.scrapeEvery === 0), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Takes a sample now (or joins the one in progress); `scrape` forces a /metrics scrape. */
  sampleNow(scrape = true): Promise<Sample> {
    this.#inProgress ??= this.#take(scrape).finally(() => (this.#inProgress = undefined));
    return this.#inProgress;
  }

  async #take(withScrape: boolean): Promise<Sample> {
    const pid = this.pid();
    const cpu = readTreeCpuMs(pid);
    let metrics: PromSnapshot | undefined;
    let scrapeMs: number | undefined;
    if (this.controlUrl && withScrape) {
      const t0 = performance.now();
      try {
        metrics = await scrape(this.controlUrl());
        scrapeMs = performance.now() - t0;
      } catch {
        metrics = undefined;
      }
    }
    const p99 = metrics?.get('ampgate_nodejs_eventloop_lag_p99_seconds');
    const mx = metrics?.get('ampgate_nodejs_eventloop_lag_max_seconds');
    const s: Sample = {
      at: Date.now(),
      rssBytes: readTreeRssBytes(pid),
      cpuMs: cpu ? cpu.user + cpu.system : undefined,
      loopP99Ms: p99 === undefined ? undefined : Math.max(0, p99 * 1000 - LOOP_RESOLUTION_MS),
      loopMaxMs: mx === undefined ? undefined : Math.max(0, mx * 1000 - LOOP_RESOLUTION_MS),
      metrics,
      scrapeMs,
    };
    this.samples.push(s);
    return s;
  }

  /** Samples taken in [from, to]. */
  window(from: number, to: number = Date.now()): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }
}

export interface WindowSummary {
  readonly samples: number;
  readonly rssMeanBytes: number;
  readonly rssMaxBytes: number;
  /** Server CPU as a share of one core over the window (1 = one core busy). */
  readonly cpuCores: number;
  readonly loopP99WorstMs: number;
  readonly loopP99MedianMs: number;
  readonly loopMaxMs: number;
  /** Slowest /metrics scrape in the window (ms, client side). */
  readonly scrapeMaxMs: number;
}

export function summarise(samples: readonly Sample[]): WindowSummary {
  const rss = samples.map((s) => s.rssBytes).filter((v): v is number => v !== undefined);
  // The first scrape only opens the window: its lag figures cover the time before it.
  const scraped = samples.filter((s) => s.loopP99Ms !== undefined).slice(1);
  const p99 = scraped.map((s) => s.loopP99Ms!);
  const loopMax = scraped.map((s) => s.loopMaxMs).filter((v): v is number => v !== undefined);
  const cpu = samples.filter((s) => s.cpuMs !== undefined);
  const first = cpu[0];
  const last = cpu[cpu.length - 1];
  const cpuCores = first && last && last.at > first.at ? (last.cpuMs! - first.cpuMs!) / (last.at - first.at) : Number.NaN;
  return {
    samples: samples.length,
    rssMeanBytes: rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : Number.NaN,
    rssMaxBytes: max(rss),
    cpuCores,
    loopP99WorstMs: max(p99),
    loopP99MedianMs: median(p99),
    loopMaxMs: max(loopMax),
    scrapeMaxMs: max(samples.map((s) => s.scrapeMs).filter((v): v is number => v !== undefined)),
  };
}
