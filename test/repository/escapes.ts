import path from 'node:path';

/**
 * Finds references to paths outside the repository in one file's text, so a clone works with nothing beside it.
 * Paths are repository-relative and POSIX; a path escapes when, normalized, it starts with `..`.
 *
 * - Code (`.ts .js .mjs .cjs`): a relative path in a literal resolves against the file's directory (imports,
 *   `require`, `new URL(…, import.meta.url)`), except one handed straight to a file system call (`readFileSync('…`),
 *   which is read from the working directory, the root. `path.join`/`path.resolve` calls are evaluated from
 *   `__dirname`, `process.cwd()` (the repository root) or a constant of the same file built that way.
 * - Scripts and configuration (`.json .yml .yaml .sh`, `.ci/` and shebang files): a relative path may be read from
 *   the file's directory or from the root (npm, CI and osls run from there), so it escapes if either way does.
 * - Anywhere: an absolute path into a machine's home or work directories (under `/work`, `/home`, `/Users`, …).
 */

export interface Escape {
  line: number;
  /** The reference as written. */
  reference: string;
  /** Where it leads, relative to the repository root. */
  resolved: string;
}

export type FileKind = 'code' | 'config';

const CODE = new Set(['.ts', '.js', '.mjs', '.cjs']);
const CONFIG = new Set(['.json', '.yml', '.yaml', '.sh']);

/** How a file is read for references, or undefined when it is not scanned (prose, data, assets). */
export function kindOf(file: string, firstLine = ''): FileKind | undefined {
  const extension = path.posix.extname(file);
  if (CODE.has(extension)) return 'code';
  if (CONFIG.has(extension)) return 'config';
  if (file.startsWith('.ci/') || firstLine.startsWith('#!')) return 'config';
  return undefined;
}

function escapes(resolved: string): boolean {
  return resolved === '..' || resolved.startsWith('../');
}

function resolveFrom(base: string, relative: string): string {
  return path.posix.normalize(path.posix.join(base, relative));
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const MACHINE_PATH = /(?<![\w.~:/-])\/(?:work|home|Users|root|mnt)\/[^\s'"`),;\]}]*/g;

/** `..` or `../…` starting a token: not inside a longer path (`a/..`, `${dir}/..`), not a spread (`...x`). */
const RELATIVE_PATH = /(?<![\w./$)}-])\.\.(?![\w.])(?:\/[^\s'"`),;\]}]*)?/g;

/** The text before a literal handed straight to a file system call, e.g. `readFileSync('`. */
const FS_CALL =
  /\b(?:readFile|readFileSync|readdir|readdirSync|existsSync|stat|statSync|lstat|lstatSync|access|accessSync|open|openSync|createReadStream|copyFile|copyFileSync|cp|cpSync)\s*\(\s*['"`]$/;

const PATH_CALL = /\bpath\.(?:posix\.)?(join|resolve)\(/g;

/** The text between the parenthesis at `open` and its match, or undefined when unbalanced. */
function argumentsAt(text: string, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

function splitArguments(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(args.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = args.slice(start).trim();
  if (last !== '') parts.push(last);
  return parts;
}

const STRING_LITERAL = /^(['"])(.*)\1$/;
/** Stands for a path segment the scan cannot know (a variable, a template): an ordinary directory name. */
const UNKNOWN_SEGMENT = '(unknown)';

/**
 * Where a `path.join`/`path.resolve` argument list leads, repository-relative, or undefined when its start is not
 * known. `constants` resolves identifiers defined in the same file.
 */
function evaluatePathCall(
  args: string[],
  dir: string,
  constants: (name: string) => string | undefined,
): string | undefined {
  let current: string | undefined;
  for (const [index, arg] of args.entries()) {
    const literal = STRING_LITERAL.exec(arg);
    if (literal) {
      const value = literal[2] ?? '';
      if (value.startsWith('/')) return undefined;
      current = resolveFrom(current ?? '', value);
      continue;
    }
    let base: string | undefined;
    if (arg === '__dirname' || arg === 'import.meta.dirname') base = dir;
    else if (arg === 'process.cwd()') base = '';
    else if (/^[A-Za-z_$][\w$]*$/.test(arg)) {
      // A root imported from another module (`PROJECT_ROOT`, `REPO`): taken to be what its name says.
      base = constants(arg) ?? (/(?:^|_)(?:ROOT|REPO)$/.test(arg) ? '' : undefined);
    }
    if (index === 0) {
      if (base === undefined) return undefined;
      current = base;
    } else {
      current = resolveFrom(current ?? '', UNKNOWN_SEGMENT);
    }
  }
  return current;
}

export function findEscapes(file: string, text: string, kind: FileKind): Escape[] {
  const dir = path.posix.dirname(file);
  const found: Escape[] = [];
  const report = (index: number, reference: string, resolved: string) => {
    found.push({ line: lineAt(text, index), reference, resolved });
  };

  for (const match of text.matchAll(MACHINE_PATH)) report(match.index, match[0], match[0]);

  for (const match of text.matchAll(RELATIVE_PATH)) {
    const lineStart = text.lastIndexOf('\n', match.index) + 1;
    const before = text.slice(lineStart, match.index);
    // In code a relative path is the file's (a module specifier, a path built on __dirname) unless it goes
    // straight to a file system call, which reads it from the working directory: the root.
    const rootRelative = kind === 'config' || FS_CALL.test(before);
    const bases = rootRelative ? [...new Set([dir, '.'])] : [dir];
    const outside = bases.map((base) => resolveFrom(base, match[0])).find(escapes);
    if (outside !== undefined) report(match.index, match[0], outside);
  }

  if (kind === 'code') {
    const definitions = new Map<string, string>();
    for (const match of text.matchAll(/\bconst\s+([A-Za-z_$][\w$]*)\s*=\s*/g)) {
      definitions.set(match[1] as string, text.slice(match.index + match[0].length));
    }
    const seen = new Set<string>();
    const constants = (name: string): string | undefined => {
      const rest = definitions.get(name);
      if (rest === undefined || seen.has(name)) return undefined;
      if (rest.startsWith('__dirname')) return dir;
      const call = /^path\.(?:posix\.)?(?:join|resolve)\(/.exec(rest);
      if (!call) return undefined;
      const args = argumentsAt(rest, call[0].length - 1);
      if (args === undefined) return undefined;
      seen.add(name);
      try {
        return evaluatePathCall(splitArguments(args), dir, constants);
      } finally {
        seen.delete(name);
      }
    };
    for (const match of text.matchAll(PATH_CALL)) {
      const open = match.index + match[0].length - 1;
      const args = argumentsAt(text, open);
      if (args === undefined) continue;
      const resolved = evaluatePathCall(splitArguments(args), dir, constants);
      if (resolved !== undefined && escapes(resolved)) {
        report(match.index, `${match[0]}${args.replace(/\s+/g, ' ')})`, resolved);
      }
    }
  }
  return found;
}
