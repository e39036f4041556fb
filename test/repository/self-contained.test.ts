import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Escape, type FileKind, findEscapes, kindOf } from './escapes';

/**
 * The repository works with nothing beside it: no source, test, script or configuration file refers to a path
 * above its root (a sibling folder, an absolute path on one machine). A clone, a fork or a package has only
 * what is committed here.
 */

const ROOT = path.resolve(__dirname, '..', '..');
/** Recorded data, not code or configuration: vendored AAP bodies and the upstream CRD. */
const NOT_SCANNED = /^test\/fixtures\//;

/** `up(3)` is three levels up; the cases are spelled this way so this file does not itself refer outside. */
const up = (levels: number) => '../'.repeat(levels);
const dots = (levels: number) => Array.from({ length: levels }, () => "'..'").join(', ');
const WORK = `/${'work'}`;
const HOME = `/${'home'}`;

describe('findEscapes', () => {
  it.each<[string, string, string, FileKind, Array<Partial<Escape>>]>([
    ['a relative import inside the repository', 'test/a/b.test.ts', `import { x } from '${up(2)}lib/x';`, 'code', []],
    [
      'a string one level too high',
      'test/a/b.ts',
      `readFileSync('${up(3)}elsewhere/x.json')`,
      'code',
      [{ line: 1, resolved: '../elsewhere/x.json' }],
    ],
    [
      'a file read from the working directory (the root)',
      'test/b.test.ts',
      `readFileSync('${up(1)}elsewhere/x.json')`,
      'code',
      [{ resolved: '../elsewhere/x.json' }],
    ],
    [
      'a module one level up, required',
      'test/chaos/run.ts',
      `require.resolve('${up(2)}functions/webhook')`,
      'code',
      [],
    ],
    ['a side-effect import', 'test/a/b.ts', `import '${up(2)}lib/setup';`, 'code', []],
    ['a module re-exported', 'test/a/b.ts', `} from '${up(2)}lib/x';`, 'code', []],
    ['a module loaded later', 'test/a/b.ts', `await import('${up(2)}lib/x')`, 'code', []],
    [
      'path.resolve climbing past the root from __dirname',
      'test/support/paths.ts',
      `const X = 1;\nexport const DIR = path.resolve(__dirname, ${dots(3)}, 'elsewhere');`,
      'code',
      [{ line: 2, resolved: '../elsewhere' }],
    ],
    [
      'path.join on a root constant of the same file, then one level up',
      'local/sim/crd.ts',
      `const REPO_ROOT = path.resolve(__dirname, ${dots(2)});\nconst P = path.join(\n  REPO_ROOT,\n  '..',\n  'elsewhere',\n);`,
      'code',
      [{ line: 2, resolved: '../elsewhere' }],
    ],
    [
      'path.join on an imported root',
      'bench/x.ts',
      `import { PROJECT_ROOT } from './support';\npath.join(PROJECT_ROOT, '..', 'elsewhere')`,
      'code',
      [{ line: 2, resolved: '../elsewhere' }],
    ],
    [
      'path.resolve from the working directory',
      'scripts/x.ts',
      `path.resolve(process.cwd(), ${dots(1)}, 'elsewhere')`,
      'code',
      [{ resolved: '../elsewhere' }],
    ],
    ['the root itself, from __dirname', 'test/a/b.ts', `path.resolve(__dirname, ${dots(2)})`, 'code', []],
    [
      'a path built on an unknown base',
      'test/a/b.ts',
      `path.join(os.tmpdir(), ${dots(4)})\npath.join(dir, ${dots(4)})`,
      'code',
      [],
    ],
    ['a spread, not a path', 'test/a/b.ts', 'const y = { ...x, ...[...z] };', 'code', []],
    ['a parent of a variable, not of this file', 'test/a/b.ts', ['const p = `$', '{dir}/../x`;'].join(''), 'code', []],
    [
      'an absolute path on one machine',
      'jest.config.js',
      `roots: ['${WORK}/elsewhere/reference']`,
      'code',
      [{ reference: `${WORK}/elsewhere/reference` }],
    ],
    [
      'a home directory',
      'local/x.ts',
      `'${HOME}/dev/crds/ci.yaml'`,
      'code',
      [{ reference: `${HOME}/dev/crds/ci.yaml` }],
    ],
    ['a URL path, not a file', 'test/a/b.ts', "fetch('https://example.com/home/x'); get('/api/v2/jobs/')", 'code', []],
    [
      'an npm script reaching a sibling',
      'package.json',
      `{ "scripts": { "test": "jest --roots ${up(1)}elsewhere" } }`,
      'config',
      [{ resolved: '../elsewhere' }],
    ],
    [
      'a CI script: relative to the root as well as to its folder',
      '.ci/run',
      `cd "$(dirname "$0")/.."\ncp ${up(1)}elsewhere/x .`,
      'config',
      [{ line: 2, resolved: '../elsewhere/x' }],
    ],
    ['a CI script climbing to the root only', '.ci/run', 'cd "$(dirname "$0")/.." && ls', 'config', []],
  ])('%s', (_case, file, text, kind, expected) => {
    const found = findEscapes(file, text, kind);
    expect(found).toHaveLength(expected.length);
    expected.forEach((want, i) => {
      expect(found[i]).toMatchObject(want);
    });
  });
});

describe('kindOf', () => {
  it.each<[string, string, FileKind | undefined]>([
    ['lib/a.ts', '', 'code'],
    ['test/setup/native/client-node.js', '', 'code'],
    ['scripts/check-node.mjs', '', 'code'],
    ['package.json', '', 'config'],
    ['serverless.yml', '', 'config'],
    ['deploy/crds/x.yaml', '', 'config'],
    ['.ci/run', '', 'config'],
    ['bin/tool', '#!/usr/bin/env bash', 'config'],
    ['README.md', '', undefined],
    ['local/console/assets/console.css', '', undefined],
  ])('%s (first line %p) is read as %p', (file, firstLine, kind) => {
    expect(kindOf(file, firstLine)).toBe(kind);
  });
});

describe('the repository', () => {
  /** Tracked files and new ones not ignored, so a reference is caught before it is committed. */
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && !NOT_SCANNED.test(file));

  const scanned = files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(path.join(ROOT, file), 'utf8');
    } catch {
      return []; // deleted in the work tree but not yet in the index
    }
    const kind = kindOf(file, text.slice(0, text.indexOf('\n') + 1));
    return kind === undefined ? [] : [{ file, text, kind }];
  });

  it('scans every source, test, script and configuration file', () => {
    const names = scanned.map(({ file }) => file);
    expect(names).toEqual(
      expect.arrayContaining([
        'package.json',
        '.ci/run',
        'serverless.yml',
        'jest.config.js',
        'local/kube-simulator/crd.ts',
        'test/support/fixtures.ts',
      ]),
    );
    expect(names.length).toBeGreaterThan(300);
  });

  it('refers to no path above its root', () => {
    const found = scanned.flatMap(({ file, text, kind }) =>
      findEscapes(file, text, kind).map(
        ({ line, reference, resolved }) => `${file}:${line}: ${reference} → ${resolved}`,
      ),
    );
    expect(found).toEqual([]);
  });
});
