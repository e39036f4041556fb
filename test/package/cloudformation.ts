import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_DIR = path.join(PROJECT_ROOT, '.serverless');
export const TEMPLATE_FILE = path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json');
const SERVERLESS_CLI = path.join(PROJECT_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
/** What the packaged template is made from: a change to any of these means packaging again. */
const PACKAGE_SOURCES = ['serverless.yml', 'statemachines', 'functions'];

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------------------------
// The template, parsed at the boundary

const Resource = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).default({}),
  Condition: z.string().optional(),
  DependsOn: z.union([z.string(), z.array(z.string())]).optional(),
});
export type Resource = z.infer<typeof Resource>;

export const Template = z.object({
  Resources: z.record(z.string(), Resource),
  Conditions: z.record(z.string(), z.unknown()).default({}),
  Outputs: z.record(z.string(), z.object({ Value: z.unknown() })).default({}),
  Parameters: z.record(z.string(), z.unknown()).optional(),
});
export type Template = z.infer<typeof Template>;

const Statement = z.object({
  Effect: z.enum(['Allow', 'Deny']),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.unknown(),
});
const Role = z.object({
  AssumeRolePolicyDocument: z.object({
    Statement: z.array(z.object({ Effect: z.string(), Principal: z.object({ Service: z.unknown() }) })),
  }),
  Policies: z.array(z.object({ PolicyDocument: z.object({ Statement: z.array(Statement) }) })),
  ManagedPolicyArns: z.array(z.unknown()).optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Packaging

/** Runs the project's own osls on this very Node (22), from the project root, as `npx serverless …` would. */
export async function serverless(args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [SERVERLESS_CLI, ...args], {
      cwd: PROJECT_ROOT,
      timeout: timeoutMs,
      maxBuffer: 32 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; message: string };
    const output = `${failed.stdout ?? ''}\n${failed.stderr ?? ''}`.trim().slice(-4000);
    throw new Error(`serverless ${args.join(' ')} failed: ${failed.message}\n${output}`);
  }
}

function newestModification(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestModification(path.join(entry, name))), 0);
}

/** The template `serverless package --stage ci` writes, packaging first when it is missing or older than its sources. */
export async function packagedTemplate(timeoutMs: number): Promise<Template> {
  const sourcesChanged = Math.max(
    ...PACKAGE_SOURCES.map((entry) => newestModification(path.join(PROJECT_ROOT, entry))),
  );
  if (newestModification(TEMPLATE_FILE) <= sourcesChanged) {
    await serverless(['package', '--stage', 'ci'], timeoutMs);
  }
  return Template.parse(JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading it

/**
 * A CloudFormation value as text with the intrinsics spelled out, so an ARN reads the same however it was built:
 * `Ref: X` is `${X}`, `Fn::GetAtt: [X, Arn]` is `${X.Arn}`, Fn::Join and Fn::Sub are applied.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [only] = entries;
    if (only !== undefined && entries.length === 1) {
      const [fn, args] = only;
      if (fn === 'Ref' && typeof args === 'string') return `\${${args}}`;
      if (fn === 'Fn::GetAtt' && Array.isArray(args)) return `\${${args.join('.')}}`;
      if (fn === 'Fn::Sub' && typeof args === 'string') return args;
      if (fn === 'Fn::Sub' && Array.isArray(args) && typeof args[0] === 'string') {
        const variables = (args[1] ?? {}) as Record<string, unknown>;
        return args[0].replace(/\$\{([^}]+)\}/g, (whole, name: string) =>
          name in variables ? render(variables[name]) : whole,
        );
      }
      if (fn === 'Fn::Join' && Array.isArray(args) && typeof args[0] === 'string' && Array.isArray(args[1])) {
        return args[1].map(render).join(args[0]);
      }
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)} as text`);
}

export function resourcesOfType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export function resource(template: Template, logicalId: string, type: string): Resource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`the template has no resource ${logicalId}`);
  if (found.Type !== type) throw new Error(`${logicalId} is a ${found.Type}, not a ${type}`);
  return found;
}

/** The logical ID a `Fn::GetAtt: [X, Arn]` or `Ref: X` points at, or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
  let text: string;
  try {
    text = render(value);
  } catch {
    return undefined;
  }
  return /^\$\{([A-Za-z0-9]+)(\.Arn)?\}$/.exec(text)?.[1];
}

/** A role's Allow grants as `action resource` lines, sorted: how the statements are grouped does not matter. */
export function grants(role: Resource): string[] {
  const parsed = Role.parse(role.Properties);
  return parsed.Policies.flatMap((policy) =>
    policy.PolicyDocument.Statement.flatMap((statement) => {
      if (statement.Effect !== 'Allow') throw new Error(`unexpected ${statement.Effect} statement`);
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat().map(render);
      return actions.flatMap((action) => resources.map((arn) => `${action} ${arn}`));
    }),
  ).sort();
}

/** The services a role trusts, and the managed policies it carries. */
export function trustAndManagedPolicies(role: Resource): { trusted: string[]; managed: unknown[] } {
  const parsed = Role.parse(role.Properties);
  const trusted = parsed.AssumeRolePolicyDocument.Statement.flatMap((s) => [s.Principal.Service].flat().map(render));
  return { trusted, managed: parsed.ManagedPolicyArns ?? [] };
}

/** Whether CloudFormation would create the resource: no condition, or one that is a constant Fn::Equals. */
export function isCreated(template: Template, logicalId: string): boolean {
  const condition = template.Resources[logicalId]?.Condition;
  if (condition === undefined) return true;
  const equals = z.object({ 'Fn::Equals': z.tuple([z.string(), z.string()]) }).parse(template.Conditions[condition]);
  const [left, right] = equals['Fn::Equals'];
  return left === right;
}

/** Every logical ID another resource or output mentions (Ref, Fn::GetAtt, Fn::Sub `${X}`, DependsOn). */
export function references(template: Template, exceptResource: string): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z]+)?\}/g)) if (match[1]) found.add(match[1]);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string') found.add(inner[0]);
      visit(inner);
    }
  };
  for (const [id, res] of Object.entries(template.Resources)) {
    if (id === exceptResource) continue;
    visit(res.Properties);
    for (const dependency of [res.DependsOn ?? []].flat()) found.add(dependency);
  }
  visit(template.Outputs);
  return found;
}

/** Walks every key/value pair of a JSON value, with its path. */
export function* entries(value: unknown, at = ''): Generator<{ path: string; key: string; value: unknown }> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* entries(item, `${at}[${index}]`);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    yield { path: `${at}.${key}`, key, value: inner };
    yield* entries(inner, `${at}.${key}`);
  }
}
