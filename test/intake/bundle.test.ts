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
});
