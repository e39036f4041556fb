import { type CpuProfile, lambdaHeapFlags, readServerlessBuild, selfTimes } from '../../bench/support';

describe('Lambda-like processes for the benchmarks', () => {
  it.each([
    [128, ['--max-semi-space-size=6', '--max-old-space-size=116']],
    [256, ['--max-semi-space-size=12', '--max-old-space-size=231']],
    [512, ['--max-semi-space-size=25', '--max-old-space-size=461']],
  ])('limits the heap of a %d MB function as the Lambda Node.js runtime does', (memory, flags) => {
    expect(lambdaHeapFlags(memory)).toEqual(flags);
  });

  it('bundles what serverless.yml declares: its functions, esbuild settings and NODE_OPTIONS', () => {
    const build = readServerlessBuild();
    const webhook = build.functions.find((fn) => fn.name === 'webhook');
    expect(webhook).toEqual({ name: 'webhook', file: 'functions/webhook.ts', exportName: 'handler', memorySize: 128 });
    expect(build.functions.find((fn) => fn.name === 'pollJob')).toMatchObject({ file: 'functions/jobs.ts' });
    expect(build.esbuild).toMatchObject({ bundle: true, platform: 'node', format: 'cjs', exclude: ['@aws-sdk/*'] });
    // Source maps are not loaded at run time (see custom.esbuild.sourcemap): nothing parses them on a cold start.
    expect(build.nodeOptions).toEqual([]);
    expect(build.esbuild.sourcemap).toBe('external');
    // Only literal values: nothing with a ${…} left to resolve.
    expect(Object.values(build.environment).some((value) => value.includes('${'))).toBe(false);
  });
});

describe('CPU profile summaries', () => {
  const frame = (functionName: string, url = '/tmp/runner.js', lineNumber = 0) => ({ functionName, url, lineNumber });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('fnv1a64Hex') },
      // The same function reached by another call path: one more node, the same name.
      { id: 3, callFrame: frame('fnv1a64Hex') },
      { id: 4, callFrame: frame('(garbage collector)', '') },
      { id: 5, callFrame: frame('', '', 2) },
      { id: 6, callFrame: frame('post', 'node:inspector') },
      { id: 7, callFrame: frame('readFileSync', 'node:fs') },
      { id: 8, callFrame: frame('', '/tmp/runner.js', 41) },
    ],
    samples: [2, 3, 2, 4, 5, 6, 7, 8, 2],
    timeDeltas: [1000, 2000, 1000, 4000, 500, 9000, 250, 250, 1000],
  };

  it('sums self time per function, largest first, leaving the profiler’s own frames out', () => {
    expect(selfTimes(profile, 10)).toEqual([
      { name: 'fnv1a64Hex', selfMs: 5, share: 0.5 },
      { name: '(garbage collector)', selfMs: 4, share: 0.4 },
      { name: '(anonymous, generated at run time)', selfMs: 0.5, share: 0.05 },
      { name: 'readFileSync (node:fs)', selfMs: 0.25, share: 0.025 },
      { name: '(anonymous) runner.js:42', selfMs: 0.25, share: 0.025 },
    ]);
  });

  it('keeps only the top entries', () => {
    expect(selfTimes(profile, 1).map((entry) => entry.name)).toEqual(['fnv1a64Hex']);
  });
});
