/**
 * @module Syntax checks of a Fluent Bit "classic" config (.conf, content type text/plain): known
 * section headers at column 0, `Key Value` entries indented consistently inside a section,
 * `@INCLUDE`/`@SET` directives, comments, and a `Name` in every INPUT, FILTER and OUTPUT. Fluent
 * Bit refuses such mistakes at startup; refusing them at upload keeps them out of rollouts.
 */
import type { ConfigProblem } from './validate.js';

const SECTIONS = new Set(['SERVICE', 'INPUT', 'FILTER', 'OUTPUT', 'PARSER', 'MULTILINE_PARSER', 'PLUGINS', 'UPSTREAM', 'NODE', 'CUSTOM', 'STREAM_TASK']);
const NEEDS_NAME = new Set(['INPUT', 'FILTER', 'OUTPUT', 'CUSTOM', 'PARSER', 'MULTILINE_PARSER']);

interface Section {
  readonly name: string;
  readonly line: number;
  indent: string | undefined;
  hasName: boolean;
}

function closeSection(s: Section | undefined, problems: ConfigProblem[]): void {
  if (s && NEEDS_NAME.has(s.name) && !s.hasName) problems.push({ message: `[${s.name}] section has no Name entry`, line: s.line, column: 1 });
}

function checkEntry(raw: string, lineNo: number, current: Section | undefined, problems: ConfigProblem[]): void {
  const indent = /^[ \t]*/.exec(raw)![0];
  if (!current) {
    problems.push({ message: `entry "${raw.trim()}" is outside of any [SECTION]`, line: lineNo, column: 1 });
    return;
  }
  if (indent === '') {
    problems.push({ message: `entry "${raw.trim()}" must be indented under [${current.name}]`, line: lineNo, column: 1 });
    return;
  }
  if (current.indent === undefined) current.indent = indent;
  else if (current.indent !== indent) {
    problems.push({
      message: `inconsistent indentation in [${current.name}] (Fluent Bit requires the same indentation for every entry of a section)`,
      line: lineNo,
      column: 1,
    });
  }
  const m = /^(\S+)(?:[ \t]+(\S.*))?$/.exec(raw.trim())!;
  if (m[2] === undefined) problems.push({ message: `key "${m[1]}" in [${current.name}] has no value`, line: lineNo, column: indent.length + 1 });
  if (m[1]!.toLowerCase() === 'name') current.hasName = true;
}

/** Problems of a classic Fluent Bit config; empty when it is sane. */
export function checkFluentBitClassic(body: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  let current: Section | undefined;
  let sections = 0;
  let directives = 0;
  const lines = body.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    if (text.startsWith('[')) {
      const m = /^\[([A-Za-z_]+)\]$/.exec(text);
      if (!m) return problems.push({ message: `malformed section header "${text}" (expected e.g. [INPUT])`, line: lineNo, column: raw.indexOf('[') + 1 });
      if (raw !== raw.trimStart()) problems.push({ message: `section header [${m[1]}] must start at column 1`, line: lineNo, column: 1 });
      const name = m[1]!.toUpperCase();
      if (!SECTIONS.has(name)) problems.push({ message: `unknown section [${m[1]}] (expected one of ${[...SECTIONS].join(', ')})`, line: lineNo, column: 1 });
      closeSection(current, problems);
      current = { name, line: lineNo, indent: undefined, hasName: false };
      sections++;
      return;
    }
    if (text.startsWith('@')) {
      const m = /^@(INCLUDE|SET)\s+(\S.*)$/i.exec(text);
      if (!m) problems.push({ message: `unknown or incomplete directive "${text}" (expected @INCLUDE file or @SET key=value)`, line: lineNo, column: 1 });
      else if (m[1]!.toUpperCase() === 'SET' && !/^[^=\s]+=/.test(m[2]!)) problems.push({ message: '@SET needs key=value', line: lineNo, column: 1 });
      directives++;
      return;
    }
    checkEntry(raw, lineNo, current, problems);
  });
  closeSection(current, problems);
  if (sections === 0 && directives === 0 && problems.length === 0)
    problems.push({ message: 'no [SECTION] found: this does not look like a Fluent Bit classic config', line: 1 });
  return problems;
}
