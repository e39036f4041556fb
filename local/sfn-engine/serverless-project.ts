import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type ArnScope, lambdaFunctionArn, stateMachineArn } from './arns';
import { parseCfnYaml } from './cfn-yaml';
import { isPlainObject, resolveVariables, ServerlessConfigError, type VariableSources } from './serverless-variables';

/** Lambda's own default when neither the function nor the provider sets `timeout` (seconds). */
const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 6;
const DEFAULT_MEMORY_SIZE_MB = 1024;

export interface FunctionDeclaration {
  /** The key under `functions:` — what `Fn::GetAtt: [key, Arn]` names. */
  readonly key: string;
  readonly functionName: string;
  readonly arn: string;
  readonly handler: string;
  /** Absolute module path without extension, resolved against the project root. */
  readonly modulePath: string;
  /** The exported member, possibly dotted (`nested.handler`), as Lambda's Node runtime allows. */
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
}

export interface StateMachineDeclaration {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** Variables resolved; CloudFormation intrinsics such as `Fn::GetAtt` still in place. */
  readonly definition: Record<string, unknown>;
}

export interface ServerlessProject {
  readonly service: string;
  readonly functions: readonly FunctionDeclaration[];
  readonly stateMachines: readonly StateMachineDeclaration[];
}

export interface LoadServerlessProjectOptions extends ArnScope {
  readonly projectRoot: string;
  readonly serverlessFile: string;
  readonly stage: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const Service = z.union([z.string().min(1), z.object({ name: z.string().min(1) })]);
const Seconds = z.number().positive();
const MemorySize = z.number().int().positive();
const FunctionConfig = z.object({
  handler: z.string().min(1),
  name: z.string().min(1).optional(),
  timeout: Seconds.optional(),
  memorySize: MemorySize.optional(),
});
const StateMachineConfig = z.object({
  name: z.string().min(1).optional(),
  type: z.enum(['STANDARD', 'EXPRESS']).optional(),
  definition: z.record(z.string(), z.unknown()),
});

/**
 * Reads serverless.yml and resolves only the fields the engine needs, so variables in unrelated sections
 * (SSM parameters, CloudFormation outputs…) do not have to be resolvable locally.
 */
export function loadServerlessProject(options: LoadServerlessProjectOptions): ServerlessProject {
  const configPath = path.resolve(options.projectRoot, options.serverlessFile);
  const serviceDir = path.dirname(configPath);
  const raw = parseCfnYaml(readText(configPath), configPath);
  if (!isPlainObject(raw)) throw new ServerlessConfigError(`${configPath} does not contain a YAML mapping`);

  const sources: VariableSources = {
    stage: options.stage,
    region: options.region,
    accountId: options.accountId,
    env: options.env ?? process.env,
    self: raw,
    readFile: (relativePath) => {
      const filePath = path.resolve(serviceDir, relativePath);
      return parseCfnYaml(readText(filePath), filePath);
    },
  };
  const node = (keys: readonly string[]): unknown => nodeAt(raw, keys, sources, configPath);
  const at = (keys: readonly string[]): unknown => resolveVariables(node(keys), sources, describe(configPath, keys));
  const keysAt = (keys: readonly string[]): string[] => Object.keys(mapping(node(keys), describe(configPath, keys)));
  const field = <T extends z.ZodType>(schema: T, keys: readonly string[]) =>
    parseField(schema, at(keys), describe(configPath, keys));
  // Only the fields a schema reads are resolved, one by one, leaving the rest of the section untouched.
  const section = <T extends z.ZodObject>(schema: T, keys: readonly string[]) => {
    const fields = Object.keys(schema.shape).map((name) => [name, at([...keys, name])] as const);
    const present = Object.fromEntries(fields.filter(([, value]) => value !== undefined));
    return parseField(schema, present, describe(configPath, keys));
  };

  const serviceValue = field(Service, ['service']);
  const service = typeof serviceValue === 'string' ? serviceValue : serviceValue.name;
  const providerTimeout = field(Seconds.optional(), ['provider', 'timeout']);
  const providerMemory = field(MemorySize.optional(), ['provider', 'memorySize']);

  const functions = keysAt(['functions']).map((key) => {
    const config = section(FunctionConfig, ['functions', key]);
    const functionName = config.name ?? `${service}-${options.stage}-${key}`;
    const { modulePath, exportName } = splitHandler(config.handler, describe(configPath, ['functions', key]));
    return {
      key,
      functionName,
      arn: lambdaFunctionArn(options, functionName),
      handler: config.handler,
      modulePath: path.resolve(options.projectRoot, modulePath),
      exportName,
      timeoutSeconds: config.timeout ?? providerTimeout ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS,
      memorySizeMb: config.memorySize ?? providerMemory ?? DEFAULT_MEMORY_SIZE_MB,
    } satisfies FunctionDeclaration;
  });

  const stateMachines = keysAt(['stepFunctions', 'stateMachines']).map((key) => {
    const config = section(StateMachineConfig, ['stepFunctions', 'stateMachines', key]);
    const name = config.name ?? key;
    return {
      key,
      name,
      arn: stateMachineArn(options, name),
      type: config.type ?? 'STANDARD',
      definition: config.definition,
    } satisfies StateMachineDeclaration;
  });

  return { service, functions, stateMachines };
}

/**
 * The value at `keys`, resolving only the variables met on the way (a section that is itself `${file(…)}`, say),
 * not those inside it: listing the functions must not require every function's settings to resolve.
 */
function nodeAt(root: unknown, keys: readonly string[], sources: VariableSources, configPath: string): unknown {
  let node: unknown = root;
  for (const [depth, key] of keys.entries()) {
    if (!isPlainObject(node)) return undefined;
    node = shallowResolve(node[key], sources, describe(configPath, keys.slice(0, depth + 1)));
  }
  return node;
}

function shallowResolve(node: unknown, sources: VariableSources, where: string): unknown {
  return typeof node === 'string' ? resolveVariables(node, sources, where) : node;
}

function describe(configPath: string, keys: readonly string[]): string {
  return `${configPath}: ${keys.join('.')}`;
}

function mapping(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new ServerlessConfigError(`${where} must be a mapping`);
  return value;
}

function parseField<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
  throw new ServerlessConfigError(`${where} is invalid: ${issues}`);
}

/** `functions/instance.fetch` → module `functions/instance`, export `fetch` (Lambda splits at the first dot of the file name). */
function splitHandler(handler: string, where: string): { modulePath: string; exportName: string } {
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  if (dot <= slash + 1 || dot === handler.length - 1) {
    throw new ServerlessConfigError(`${where}.handler '${handler}' must look like 'path/to/module.exportName'`);
  }
  return { modulePath: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

function readText(filePath: string): string {
  try {
    return readFileSync(filePath, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServerlessConfigError(`cannot read ${filePath}: ${reason}`);
  }
}
