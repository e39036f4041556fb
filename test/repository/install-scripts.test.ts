import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every dependency with an install script is decided on in package.json's `allowScripts`, so npm runs exactly the
 * scripts the toolchain needs (and a stricter npm, which skips undecided ones, still installs a working one).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean }>;
};

/** Why each approved script must run; README "Install scripts" says the same. */
const NEEDED = {
  node: 'preinstall installs the Node 22 binary every npm script runs on',
  esbuild: 'postinstall checks and links the platform binary serverless-esbuild and tsx call',
  '@swc/core': 'postinstall checks the native binding jest transforms with (falling back to wasm)',
};

const withInstallScripts = Object.entries(lock.packages)
  .filter(([, entry]) => entry.hasInstallScript)
  .map(([at]) => at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length));

describe('allowScripts', () => {
  it('decides on every dependency with an install script', () => {
    expect(withInstallScripts.length).toBeGreaterThan(0);
    const undecided = withInstallScripts.filter((name) => manifest.allowScripts?.[name] === undefined);
    expect(undecided).toEqual([]);
  });

  it('approves exactly the scripts the toolchain needs and denies the rest', () => {
    const approved = Object.entries(manifest.allowScripts ?? {})
      .filter(([, allowed]) => allowed)
      .map(([name]) => name);
    expect(approved.sort()).toEqual(Object.keys(NEEDED).sort());
    expect(manifest.allowScripts).toMatchObject({ '@parcel/watcher': false, 'es5-ext': false, 'classic-level': false });
  });
});
