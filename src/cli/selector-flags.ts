/**
 * @module `--exclude key=value`, `--healthy` and `--unhealthy`: flags that narrow a `--selector`
 * (they add `key!=value` and `healthy=true|false` clauses), shared by `agents` and `changes propose`.
 * Bad values are reported by commander while parsing, before anything is sent.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { exclusion, withFilters } from '../fleet/attributes.js';

/** `--exclude k=v` (repeatable), validated as one clause. */
function collectExclusion(value: string, prev: string[]): string[] {
  try {
    exclusion(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...prev, value];
}

export interface FilterFlags {
  readonly selector?: string;
  readonly exclude: string[];
  readonly unhealthy?: boolean;
  readonly healthy?: boolean;
}

export function addFilterFlags(cmd: Command): Command {
  return cmd
    .option('-x, --exclude <key=value>', 'leave out agents with this attribute (repeatable; adds key!=value to the selector)', collectExclusion, [])
    .addOption(new Option('--unhealthy', 'only agents whose last health report said unhealthy (adds healthy=false)').conflicts('healthy'))
    .addOption(new Option('--healthy', 'only agents whose last health report said healthy (adds healthy=true)').conflicts('unhealthy'));
}

export function hasFilterFlags(o: FilterFlags): boolean {
  return o.exclude.length > 0 || Boolean(o.unhealthy) || Boolean(o.healthy);
}

/** --selector with --exclude, --healthy and --unhealthy folded in. */
export function selectorWithFlags(o: FilterFlags): string {
  return withFilters(o.selector, o.exclude, o.unhealthy ? false : o.healthy ? true : undefined);
}
