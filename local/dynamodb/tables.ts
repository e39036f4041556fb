import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { parseCfnYaml } from '../sfn-engine/cfn-yaml';
import {
  isPlainObject,
  resolveVariables,
  ServerlessConfigError,
  type VariableSources,
} from '../sfn-engine/serverless-variables';

/**
 * The DynamoDB tables a serverless.yml declares (`resources.Resources.*` of type `AWS::DynamoDB::Table`), as
 * CreateTable inputs, so the local stack creates exactly what is deployed. Only what shapes the data is kept: keys,
 * attribute definitions, indexes and billing. TTL, point-in-time recovery, encryption and tags change nothing a
 * test can observe (dynalite has no TTL: readers check expiry themselves, as they must on DynamoDB too).
 */
export interface DeclaredTable {
  /** The logical id under `resources.Resources`. */
  readonly logicalId: string;
  readonly input: CreateTableCommandInput;
}

export interface TableDeclarationOptions {
  readonly projectRoot: string;
  readonly stage: string;
  readonly serverlessFile?: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DATA_PROPERTIES = [
  'TableName',
  'KeySchema',
  'AttributeDefinitions',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
] as const;

export function declaredTables(options: TableDeclarationOptions): DeclaredTable[] {
  const serverlessFile = options.serverlessFile ?? 'serverless.yml';
  const configPath = path.resolve(options.projectRoot, serverlessFile);
  const serviceDir = path.dirname(configPath);
  const raw = parseCfnYaml(readFileSync(configPath, 'utf8'), configPath);
  if (!isPlainObject(raw)) throw new ServerlessConfigError(`${configPath} does not contain a YAML mapping`);
  const sources: VariableSources = {
    stage: options.stage,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    env: options.env ?? process.env,
    self: raw,
    readFile: (relativePath) => {
      const filePath = path.resolve(serviceDir, relativePath);
      return parseCfnYaml(readFileSync(filePath, 'utf8'), filePath);
    },
  };
  const resources = (raw.resources as { Resources?: unknown } | undefined)?.Resources;
  if (!isPlainObject(resources)) return [];
  return Object.entries(resources).flatMap(([logicalId, resource]) => {
    if (!isPlainObject(resource) || resource.Type !== 'AWS::DynamoDB::Table') return [];
    const where = `${configPath}: resources.Resources.${logicalId}.Properties`;
    // Only the data-shaping properties are resolved: the rest may use variables not available locally.
    const properties = isPlainObject(resource.Properties) ? resource.Properties : {};
    const input: Record<string, unknown> = {};
    for (const name of DATA_PROPERTIES) {
      if (properties[name] === undefined) continue;
      input[name] = resolveVariables(properties[name], sources, `${where}.${name}`);
    }
    if (typeof input.TableName !== 'string' || input.TableName === '') {
      throw new ServerlessConfigError(`${where}.TableName must be a plain name (no CloudFormation function)`);
    }
    return [{ logicalId, input: input as unknown as CreateTableCommandInput }];
  });
}
