import { AapClient, type AapClientOptions } from '../../../lib/aap';
import type { Logger } from '../../../lib/runtime/logger';
import type { AapFixtureServer } from '../../support/aap-fixture-server';
import { type ApiPrefix, aapFixture, listOf } from '../../support/aap-fixtures';

/** Long and distinctive, so a leak anywhere is found by a plain substring search. */
export const TOKEN = 'tkn-4f9c2e71b0d84a6f9e3c5a1d7b2e8f60';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  attributes?: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: LogLine['level']) => (message: string, attributes?: Record<string, unknown>) => {
    lines.push({ level, message, attributes });
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

export interface Harness {
  client: AapClient;
  /** Every wait the client asked for, in ms; the injected sleep returns at once. */
  sleeps: number[];
  logger: ReturnType<typeof recordingLogger>;
}

/** A client against the fixture server with instant, recorded retry waits and a fixed jitter of 0.5. */
export function clientFor(
  server: AapFixtureServer,
  options: Partial<AapClientOptions> & { prefix?: ApiPrefix } = {},
  deps: { now?: () => number } = {},
): Harness {
  const { prefix = '/api', ...rest } = options;
  const sleeps: number[] = [];
  const logger = recordingLogger();
  const client = new AapClient(
    { baseUrl: `${server.origin}${prefix}`, token: TOKEN, logger, timeoutMs: 2000, ...rest },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...deps,
    },
  );
  return { client, sleeps, logger };
}

/** Scripts the lookup of JT 7 `deploy-app` (found among job templates). */
export function scriptJobTemplateLookup(server: AapFixtureServer, prefix: ApiPrefix = '/api'): void {
  server.on('GET', `${prefix}/v2/job_templates/`, {
    status: 200,
    body: aapFixture('job_templates_list_by_name.json', prefix),
  });
}

/** Scripts the lookup of WFJT 12 `release-pipeline` (no job template of that name). */
export function scriptWorkflowTemplateLookup(server: AapFixtureServer, prefix: ApiPrefix = '/api'): void {
  server.on('GET', `${prefix}/v2/job_templates/`, { status: 200, body: listOf([]) });
  server.on('GET', `${prefix}/v2/workflow_job_templates/`, {
    status: 200,
    body: aapFixture('workflow_job_templates_list_by_name.json', prefix),
  });
}

/** Runs `action` and returns what it threw; fails the test when it did not throw. */
export async function caught(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected the call to throw, but it resolved');
}
