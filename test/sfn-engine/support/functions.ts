import path from 'node:path';
import type { FunctionDeclaration } from '../../../local/sfn-engine/serverless-project';
import { FIXTURES_DIR } from './engine';

/** A function declaration as serverless-project would produce it, for unit tests. */
export function declaredFunction(key: string, overrides: Partial<FunctionDeclaration> = {}): FunctionDeclaration {
  const functionName = overrides.functionName ?? `svc-local-${key}`;
  return {
    key,
    functionName,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    handler: `functions/instance.${key}`,
    modulePath: path.join(FIXTURES_DIR, 'functions', 'instance'),
    exportName: key,
    timeoutSeconds: 6,
    memorySizeMb: 256,
    ...overrides,
  };
}
