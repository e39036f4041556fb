import path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type SfnEngine, type SfnEngineOptions, startSfnEngine } from '../../../local/sfn-engine';

export const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures');
export const FIXTURE_SERVICE = 'sfn-engine-fixture';

export interface FixtureEngine {
  readonly engine: SfnEngine;
  readonly client: SFNClient;
  /** ARNs of the two fixture machines: `provision` (named from variables) and `tasks` (named after its key). */
  readonly provisionArn: string;
  readonly tasksArn: string;
  close(): Promise<void>;
}

/** The engine on the fixture project, and an SDK client pointed at it with dummy credentials. */
export async function startFixtureEngine(options: Partial<SfnEngineOptions> = {}): Promise<FixtureEngine> {
  const engine = await startSfnEngine({ projectRoot: FIXTURES_DIR, ...options });
  const client = sfnClient(engine.endpoint);
  return {
    engine,
    client,
    provisionArn: machineArn(engine, `${FIXTURE_SERVICE}-local-provision`),
    tasksArn: machineArn(engine, 'tasks'),
    close: async () => {
      client.destroy();
      await engine.close();
    },
  };
}

function machineArn(engine: SfnEngine, name: string): string {
  const machine = engine.stateMachines().find((candidate) => candidate.name === name);
  if (machine === undefined) throw new Error(`fixture state machine ${name} is not loaded`);
  return machine.arn;
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** The error an SDK call rejects with, for asserting on its name and message. */
export async function sdkError(call: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
