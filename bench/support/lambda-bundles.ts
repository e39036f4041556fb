import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';

/**
 * The Lambda functions as serverless.yml declares them, bundled the way serverless-esbuild packages them: the
 * same esbuild settings (custom.esbuild) and the NODE_OPTIONS they run with (provider.environment). Read from the
 * file rather than restated, so the benchmark measures what would be deployed.
 */

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Node 22 from the `node@22` devDependency: the Lambda runtime's major version, whatever node is on PATH. */
export const NODE22 = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
/** Where bundles look for what they leave external (the AWS SDK, which the Lambda runtime provides). */
export const EXTERNALS_PATH = path.join(PROJECT_ROOT, 'node_modules');

const EsbuildSettings = z.object({
  bundle: z.literal(true, { error: 'custom.esbuild.bundle must be true: the benchmark measures bundles' }),
  minify: z.boolean().default(false),
  sourcemap: z.union([z.boolean(), z.enum(['linked', 'inline', 'external', 'both'])]).default(false),
  target: z.string().min(1),
  platform: z.literal('node'),
  format: z.enum(['cjs', 'esm']),
  exclude: z.array(z.string()).default([]),
});
export type EsbuildSettings = z.infer<typeof EsbuildSettings>;

const MemorySize = z.int().min(128).max(10_240);

const ServerlessFile = z.object({
  provider: z.object({
    environment: z.record(z.string(), z.unknown()).default({}),
    // Lambda's own default when serverless.yml says nothing.
    memorySize: MemorySize.default(1024),
  }),
  custom: z.object({ esbuild: EsbuildSettings }),
  functions: z.record(
    z.string(),
    z.looseObject({ handler: z.string().regex(/^[\w./-]+\.\w+$/), memorySize: MemorySize.optional() }),
  ),
});

export interface LambdaFunction {
  name: string;
  /** The module, relative to the project root: `functions/webhook.ts`. */
  file: string;
  exportName: string;
  memorySize: number;
}

export interface ServerlessBuild {
  functions: LambdaFunction[];
  esbuild: EsbuildSettings;
  /** provider.environment.NODE_OPTIONS, split into arguments (`--enable-source-maps`). */
  nodeOptions: string[];
  /** provider.environment entries with a literal value (no `${…}` to resolve): POWERTOOLS_LOG_LEVEL… */
  environment: Record<string, string>;
}

export function readServerlessBuild(root = PROJECT_ROOT): ServerlessBuild {
  const file = path.join(root, 'serverless.yml');
  const parsed = ServerlessFile.safeParse(parseYaml(readFileSync(file, 'utf8'), { merge: true }));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`serverless.yml cannot be read for bundling: ${problems}`);
  }
  const functions = Object.entries(parsed.data.functions).map(([name, declared]) => {
    const separator = declared.handler.lastIndexOf('.');
    const module = declared.handler.slice(0, separator);
    const candidates = ['.ts', '.js'].map((ext) => `${module}${ext}`);
    const found = candidates.find((candidate) => existsSync(path.join(root, candidate)));
    if (!found)
      throw new Error(`function ${name}: handler ${declared.handler} names no file (${candidates.join(', ')})`);
    return {
      name,
      file: found,
      exportName: declared.handler.slice(separator + 1),
      memorySize: declared.memorySize ?? parsed.data.provider.memorySize,
    };
  });
  const environment = Object.fromEntries(
    Object.entries(parsed.data.provider.environment).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && !entry[1].includes('${'),
    ),
  );
  const nodeOptions = environment.NODE_OPTIONS;
  return {
    functions,
    esbuild: parsed.data.custom.esbuild,
    nodeOptions: nodeOptions === undefined ? [] : nodeOptions.split(/\s+/).filter(Boolean),
    environment,
  };
}

/**
 * The environment of a deployed function as far as the benchmarks need it: serverless.yml's literal settings
 * (Powertools…), tracing off (its default stage), a region, and credentials the local stubs accept.
 */
export function lambdaEnvironment(build: ServerlessBuild): Record<string, string> {
  const { NODE_OPTIONS: _flags, ...literals } = build.environment;
  return {
    ...literals,
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };
}

/**
 * The V8 heap limits the Lambda Node.js runtime's bootstrap derives from the function's memory size: a tenth for
 * the young generation (two semi-spaces of 5 % each), the rest for the old one. A process given these collects
 * garbage as a container of that size would, instead of growing into a workstation's gigabytes.
 */
export function lambdaHeapFlags(memorySizeMB: number): string[] {
  const newSpace = Math.floor(memorySizeMB / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memorySizeMB - newSpace}`];
}

export interface BuiltBundle {
  entry: string;
  outfile: string;
  bytes: number;
  /** gzip -6 of the bundle: close to what the deployment zip stores. */
  gzipBytes: number;
  /** Project-relative inputs esbuild read, e.g. `node_modules/@kubernetes/client-node/dist/index.js`. */
  inputs: string[];
}

/**
 * Bundles `entry` (project-relative or absolute) to `outfile` with the serverless.yml esbuild settings.
 * `forProfiling` keeps names and drops minification, so a CPU profile names the functions.
 */
export async function bundleLikeServerless(
  entry: string,
  outfile: string,
  settings: EsbuildSettings,
  options: { forProfiling?: boolean } = {},
): Promise<BuiltBundle> {
  const profiling = options.forProfiling === true;
  const result = await build({
    entryPoints: [path.resolve(PROJECT_ROOT, entry)],
    absWorkingDir: PROJECT_ROOT,
    outfile,
    bundle: true,
    minify: settings.minify && !profiling,
    keepNames: profiling,
    sourcemap: profiling ? false : settings.sourcemap,
    target: settings.target,
    platform: settings.platform,
    format: settings.format,
    external: settings.exclude,
    metafile: true,
    logLevel: 'silent',
  });
  const code = readFileSync(outfile);
  return {
    entry,
    outfile,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(code).length,
    inputs: Object.keys(result.metafile.inputs),
  };
}

export function includesPackage(bundle: BuiltBundle, packageName: string): boolean {
  return bundle.inputs.some((input) => input.includes(`node_modules/${packageName}/`));
}
