import { tracingEnabled, tracingMiddleware } from '../../lib/runtime/tracing';

const LAMBDA = 'AWS_Lambda_nodejs22.x';

describe('tracingEnabled: Powertools Tracer rule, decided before the Tracer is loaded', () => {
  it.each<[NodeJS.ProcessEnv, boolean]>([
    [{}, false],
    [{ POWERTOOLS_TRACE_ENABLED: 'true' }, false],
    [{ AWS_EXECUTION_ENV: LAMBDA }, true],
    [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'true' }, true],
    [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' }, false],
    [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'FALSE' }, false],
    [{ AWS_EXECUTION_ENV: LAMBDA, AWS_SAM_LOCAL: 'true' }, false],
    [{ AWS_EXECUTION_ENV: 'AWS_Lambda_amplify-mock' }, false],
  ])('%j → %p', (env, expected) => {
    expect(tracingEnabled(env)).toBe(expected);
  });
});

describe('tracingMiddleware', () => {
  it('does nothing, and never loads the Tracer, when tracing is off', () => {
    jest.isolateModules(() => {
      const { tracingMiddleware: isolated } =
        require('../../lib/runtime/tracing') as typeof import('../../lib/runtime/tracing');
      expect(isolated({ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' })).toEqual([]);
      const loaded = Object.keys(require.cache).some((path) => path.includes('@aws-lambda-powertools/tracer'));
      expect(loaded).toBe(false);
    });
  });

  it('wraps the handler with the Tracer when tracing is on', () => {
    const saved = { ...process.env };
    // The Tracer reads the environment itself; keep it from patching this process's HTTP modules.
    Object.assign(process.env, { AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false' });
    try {
      const [middleware, ...more] = tracingMiddleware({ AWS_EXECUTION_ENV: LAMBDA });
      expect(more).toEqual([]);
      expect(typeof middleware?.before).toBe('function');
      expect(typeof middleware?.after).toBe('function');
      expect(typeof middleware?.onError).toBe('function');
    } finally {
      process.env = saved;
    }
  });
});
