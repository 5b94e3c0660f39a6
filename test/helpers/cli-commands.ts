import type { CliCommand } from '../../src/cli/command.js';

/*
 * Every command line of the CLI, read from the commands' usage texts (not written down anywhere): the
 * commands of program.ts COMMANDS, the first word of each two-word command ('shop' of 'shop check'),
 * and the subcommands each usage text names in its synopsis ('jpki-mobile app install ...',
 * 'jpki-mobile push sender add ...'), in its list of subcommands at the left margin ('install
 * installs ...'), or in its "ACTION is one of" list (callcenter). Used by test/cli/help.test.ts and
 * test/cli/secrets.test.ts.
 */

const WORD = /^[a-z][a-z0-9-]*$/;

/** The synopsis of a usage text: the 'Usage:' line and the indented 'jpki-mobile' lines after it, up to the first blank line. */
function synopsis(usage: string): string[][] {
  const lines = usage.split('\n');
  const out: string[][] = [];
  for (const line of lines) {
    if (line.trim() === '') break;
    const m = /^(?:Usage:)?\s*jpki-mobile\s+(.*)$/.exec(line);
    if (m) out.push(m[1]!.trim().split(/\s+/));
  }
  return out;
}

/** The words a placeholder (ACTION) stands for: the indented list after 'ACTION is one of'. */
function placeholderWords(usage: string, placeholder: string): string[] {
  const lines = usage.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${placeholder} is one of`));
  if (start < 0) return [];
  const words: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}([a-z][a-z0-9-]*)\s{2,}/.exec(line);
    if (!m) break;
    words.push(m[1]!);
  }
  return words;
}

/** The subcommands a usage text describes in a list at the left margin ('install   installs the app …'). */
function describedWords(usage: string): string[] {
  return usage
    .split('\n')
    .map((l) => /^([a-z][a-z0-9-]*)\s{2,}\S/.exec(l)?.[1])
    .filter((w): w is string => w !== undefined);
}

/** Every command line to ask for help: ['card'], ['card', 'issue'], ['push', 'sender', 'add'], ['shop'], ... */
export function enumerateCommands(commands: readonly CliCommand[]): string[][] {
  const seen = new Map<string, string[]>();
  const add = (words: string[]) => seen.set(words.join(' '), words);
  for (const c of commands) {
    const name = c.name.split(' ');
    add(name);
    if (name.length > 1) add([name[0]!]);
    for (const tokens of synopsis(c.usage)) {
      if (tokens.slice(0, name.length).join(' ') !== c.name) continue;
      const rest = tokens.slice(name.length);
      const sub: string[] = [];
      for (const t of rest) {
        if (!WORD.test(t)) break;
        sub.push(t);
      }
      if (sub.length > 0) add([...name, ...sub]);
      else if (rest[0] !== undefined && /^[A-Z][A-Z_]+$/.test(rest[0])) for (const w of placeholderWords(c.usage, rest[0])) add([...name, w]);
    }
    // A command with subcommands may describe one only in its list: that one is asked too.
    if ([...seen.keys()].some((k) => k.startsWith(`${c.name} `))) for (const w of describedWords(c.usage)) add([...name, w]);
  }
  return [...seen.values()];
}

/** The options a usage text names (`--phone DIR`, `[--pin]`, `--vpcd H:P`, `--role a|b`), each with its value placeholder, or null for a flag. */
export function optionsOf(usage: string): { name: string; value: string | null }[] {
  const seen = new Map<string, string | null>();
  for (const m of usage.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)(?:[ =]([A-Z][A-Z0-9_:]*(?![a-z])|[a-z][a-z0-9-]*(?:\|[a-z][a-z0-9-]*)+))?/g)) {
    const name = m[1]!;
    const value = m[2] ?? null;
    if (!seen.has(name) || (seen.get(name) === null && value !== null)) seen.set(name, value);
  }
  return [...seen].map(([name, value]) => ({ name, value }));
}
