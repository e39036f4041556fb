import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The webhook runs on every change of every instance: its bundle stays small by importing `lib/k8s/clusters`,
 * never the Kubernetes client, and by building its own Logger and Metrics instead of the Tracer-carrying
 * `lib/runtime/powertools`. Bundled the way serverless-esbuild packages it (AWS SDK external).
 */
describe('the webhook bundle', () => {
  let inputs: string[];
  let bytes: number;
  let code: Uint8Array;

  beforeAll(async () => {
    const result = await build({
      entryPoints: [path.join(ROOT, 'functions/webhook.ts')],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      external: ['@aws-sdk/*'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    inputs = Object.keys(result.metafile.inputs);
    bytes = result.outputFiles.reduce((total, file) => total + file.contents.byteLength, 0);
    code = result.outputFiles[0]?.contents ?? new Uint8Array();
  });

  it('stays within its 300 KB budget (zod imported as a namespace, so its locales tree-shake away)', () => {
    expect(bytes).toBeLessThanOrEqual(300 * 1024);
  });

  it.each([
    ['the Kubernetes client', /node_modules\/@kubernetes\/client-node\//],
    ['the lib/k8s index (which loads the Kubernetes client)', /^lib\/k8s\/index\.ts$/],
    ['the workflow task context', /^lib\/workflow\/(context|tasks)\.ts$/],
    ['the X-Ray SDK behind the Tracer', /node_modules\/aws-xray-sdk/],
    ['the AWS SDK (the Lambda runtime provides it)', /node_modules\/@aws-sdk\//],
  ])('leaves out %s', (_label, pattern) => {
    expect(inputs.filter((input) => pattern.test(input))).toEqual([]);
  });

  it('is built from the intake, the cluster registry and the shared decision', () => {
    expect(inputs).toEqual(
      expect.arrayContaining(['lib/intake/process.ts', 'lib/k8s/clusters.ts', 'lib/workflow/start.ts']),
    );
  });

  it('loads no AWS SDK: Step Functions at the first start only, the webhooks secret through the extension', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'webhook-bundle-'));
    try {
      const bundle = path.join(dir, 'webhook.js');
      writeFileSync(bundle, code);
      const probe = `require(${JSON.stringify(bundle)});
        const loaded = Object.keys(require.cache).filter((file) => file.includes('@aws-sdk'));
        // Had the bundle asked for the SDK, it would have found it: the probe can fail.
        require.resolve('@aws-sdk/client-secrets-manager');
        process.stdout.write(JSON.stringify(loaded.map((file) => file.replace(/.*node_modules\\//, ''))));`;
      const loaded = JSON.parse(
        execFileSync(process.execPath, ['-e', probe], {
          // The Lambda runtime provides the SDK on NODE_PATH; so does this process.
          env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(ROOT, 'node_modules') },
          encoding: 'utf8',
        }),
      ) as string[];
      // Nothing of the SDK at load (NODE_PATH holds it, as the runtime's does).
      expect(loaded).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
