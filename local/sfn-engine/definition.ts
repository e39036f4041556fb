import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { z } from 'zod';
import { describeIssues } from '../../lib/runtime/issues';
import { isLambdaFunctionArn, lambdaFunctionName } from './arns';
import { aslProblems } from './asl-validation';
import type { StateType } from './history-events';
import type { FunctionDeclaration, StateMachineDeclaration } from './serverless-project';
import { isPlainObject } from './serverless-variables';
import { MAX_TIMER_MS } from './timers';
import { WaitTiming } from './wait-duration';

/** The longest timeout the library may be given (it arms a plain Node timer). */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_CALLBACK_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const ENGINE_WAIT_RESOURCE = 'arn:aws:states:::sfn-engine:wait';

const TaskTiming = z.object({
  TimeoutSeconds: z.number().optional(),
  TimeoutSecondsPath: z.string().optional(),
});
export type TaskTiming = z.infer<typeof TaskTiming>;

const CallbackTiming = z.object({
  ...TaskTiming.shape,
  HeartbeatSeconds: z.number().optional(),
  HeartbeatSecondsPath: z.string().optional(),
});
export type CallbackTiming = z.infer<typeof CallbackTiming>;

const CARRIED_STATE_INPUT = 'sfnEngineStateInput';
const CARRIED_PARAMETERS = 'sfnEngineParameters';

/**
 * What the library hands a `.waitForTaskToken` handler: the state input (after InputPath, which TimeoutSecondsPath
 * and HeartbeatSecondsPath read, like a Wait's SecondsPath) and the effective Parameters (the state input if none).
 */
export function callbackTaskInput(handed: unknown): { stateInput: unknown; parameters: unknown } {
  const carried = isPlainObject(handed) ? handed : {};
  const stateInput = carried[CARRIED_STATE_INPUT];
  return { stateInput, parameters: CARRIED_PARAMETERS in carried ? carried[CARRIED_PARAMETERS] : stateInput };
}

/** How the engine runs a Task (or a Wait, which the library hands to the engine as a Task). */
export type TaskBinding =
  | {
      readonly kind: 'lambda';
      readonly stateName: string;
      readonly fn: FunctionDeclaration;
      readonly timing: TaskTiming;
    }
  | { readonly kind: 'lambda-invoke'; readonly stateName: string; readonly timing: TaskTiming }
  | { readonly kind: 'lambda-callback'; readonly stateName: string; readonly timing: CallbackTiming }
  | { readonly kind: 'wait'; readonly stateName: string; readonly timing: WaitTiming };

export interface PreparedDefinition {
  /** As deployed: CloudFormation references replaced by ARNs, nothing scaled. DescribeStateMachine returns this. */
  readonly definition: Record<string, unknown>;
  /** What the library runs: Waits handed to the engine, Retry pauses scaled, AWS's unbounded task timeout kept. */
  readonly runnable: StateMachineDefinition;
  readonly bindings: ReadonlyMap<string, TaskBinding>;
  /** The declared type of every state, nested ones included (state names are unique machine-wide). */
  readonly stateTypes: ReadonlyMap<string, StateType>;
  /** The execution's TimeoutSeconds: the engine enforces it on the execution clock, so it is taken out of `runnable`. */
  readonly timeoutSeconds?: number;
}

export class DefinitionError extends Error {
  override name = 'DefinitionError';
}

/** Functions by every name a definition may use: the serverless.yml key, its CloudFormation logical id, the deployed name. */
export class FunctionIndex {
  private readonly byReference = new Map<string, FunctionDeclaration>();
  private readonly byName = new Map<string, FunctionDeclaration>();

  constructor(readonly functions: readonly FunctionDeclaration[]) {
    for (const fn of functions) {
      this.byReference.set(fn.key, fn);
      this.byReference.set(`${logicalIdPrefix(fn.key)}LambdaFunction`, fn);
      this.byName.set(fn.functionName, fn);
    }
  }

  byGetAttTarget(target: string): FunctionDeclaration | undefined {
    return this.byReference.get(target);
  }

  /** A FunctionName as Lambda accepts it: name, `name:qualifier`, partial or full ARN. */
  byFunctionReference(reference: string): FunctionDeclaration | undefined {
    return this.byName.get(lambdaFunctionName(reference));
  }

  declaredKeys(): string {
    return this.functions.map((fn) => fn.key).join(', ') || '(none)';
  }
}

/** serverless' normalizeName: `fetch-instance_x` → `FetchDashinstanceUnderscorex`. */
function logicalIdPrefix(key: string): string {
  const normalized = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return normalized.charAt(0).toUpperCase() + normalized.slice(1);
}

/** Lists what is wrong with a definition (asl-validator by default). */
export type DefinitionValidator = (definition: Record<string, unknown>) => string[];

export function prepareDefinition(
  machine: StateMachineDeclaration,
  functions: FunctionIndex,
  timeScale: number,
  validate: DefinitionValidator = aslProblems,
): PreparedDefinition {
  const label = `state machine '${machine.key}' (${machine.name})`;
  const definition = resolveIntrinsics(machine.definition, functions, label, 'definition');
  if (!isPlainObject(definition)) throw new DefinitionError(`${label}: the definition must be a mapping`);
  if (machine.type !== 'STANDARD') {
    throw new DefinitionError(`${label}: only STANDARD workflows are supported locally, not ${machine.type}`);
  }
  if (definition.QueryLanguage === 'JSONata') {
    throw new DefinitionError(`${label}: QueryLanguage JSONata is not supported locally; use JSONPath`);
  }
  const problems = validate(definition);
  if (problems.length > 0) {
    throw new DefinitionError(`${label} has an invalid definition:\n  ${problems.join('\n  ')}`);
  }
  const bindings = new Map<string, TaskBinding>();
  const stateTypes = new Map<string, StateType>();
  const { TimeoutSeconds: timeoutSeconds, ...runnable } = prepareStates(definition, {
    label,
    functions,
    timeScale,
    bindings,
    stateTypes,
  });
  return {
    definition,
    runnable: runnable as unknown as StateMachineDefinition,
    bindings,
    stateTypes,
    ...(typeof timeoutSeconds === 'number' ? { timeoutSeconds } : {}),
  };
}

const INTRINSIC_KEY = /^(Ref|Condition|Fn::\w+)$/;

/** Replaces `Fn::GetAtt: [function, Arn]` by the function's ARN and refuses any other CloudFormation intrinsic. */
function resolveIntrinsics(node: unknown, functions: FunctionIndex, label: string, where: string): unknown {
  if (Array.isArray(node)) return node.map((item, i) => resolveIntrinsics(item, functions, label, `${where}[${i}]`));
  if (!isPlainObject(node)) return node;
  const keys = Object.keys(node);
  const [onlyKey] = keys;
  if (keys.length === 1 && onlyKey !== undefined && INTRINSIC_KEY.test(onlyKey)) {
    if (onlyKey !== 'Fn::GetAtt') {
      throw new DefinitionError(
        `${label}: ${onlyKey} at ${where} is not supported locally; only Fn::GetAtt of a function`,
      );
    }
    return functionArnFromGetAtt(node[onlyKey], functions, label, where);
  }
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, resolveIntrinsics(value, functions, label, `${where}.${key}`)]),
  );
}

function functionArnFromGetAtt(argument: unknown, functions: FunctionIndex, label: string, where: string): string {
  const parts = typeof argument === 'string' ? argument.split('.') : argument;
  if (!Array.isArray(parts) || parts.length !== 2 || parts[1] !== 'Arn' || typeof parts[0] !== 'string') {
    throw new DefinitionError(
      `${label}: Fn::GetAtt at ${where} must be [<function>, Arn], got ${JSON.stringify(argument)}`,
    );
  }
  const fn = functions.byGetAttTarget(parts[0]);
  if (fn === undefined) {
    throw new DefinitionError(
      `${label}: Fn::GetAtt at ${where} names function '${parts[0]}', which serverless.yml does not declare (declared: ${functions.declaredKeys()})`,
    );
  }
  return fn.arn;
}

interface PrepareContext {
  readonly label: string;
  readonly functions: FunctionIndex;
  readonly timeScale: number;
  readonly bindings: Map<string, TaskBinding>;
  readonly stateTypes: Map<string, StateType>;
}

const StateCommon = z.looseObject({
  Type: z.enum(['Task', 'Parallel', 'Map', 'Pass', 'Wait', 'Choice', 'Succeed', 'Fail']),
  QueryLanguage: z.string().optional(),
  Retry: z
    .array(z.looseObject({ IntervalSeconds: z.number().optional(), MaxDelaySeconds: z.number().optional() }))
    .optional(),
});
const TaskFields = z.looseObject({
  Resource: z.string(),
  Parameters: z.unknown().optional(),
  ...CallbackTiming.shape,
});

/** Copies a (sub-)machine, recording bindings and types and rewriting what the library must run differently. */
function prepareStates(machine: Record<string, unknown>, context: PrepareContext): Record<string, unknown> {
  const states = isPlainObject(machine.States) ? machine.States : {};
  const prepared: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(states)) {
    const state = parseState(StateCommon, raw, name, context);
    if (state.QueryLanguage === 'JSONata') {
      throw new DefinitionError(`${context.label}: state '${name}' uses JSONata, which is not supported locally`);
    }
    if (context.stateTypes.has(name)) {
      throw new DefinitionError(`${context.label}: the state name '${name}' is used twice; names must be unique`);
    }
    context.stateTypes.set(name, state.Type);
    prepared[name] = prepareState(name, state, context);
  }
  return { ...machine, States: prepared };
}

/** asl-validator has vouched for the structure; this only types it, and names the state if it ever disagrees. */
function parseState<T extends z.ZodType>(schema: T, raw: unknown, name: string, context: PrepareContext): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new DefinitionError(
    `${context.label}: state '${name}' is malformed: ${describeIssues(parsed.error, [], '(state)')}`,
  );
}

function prepareState(name: string, state: z.infer<typeof StateCommon>, context: PrepareContext): unknown {
  const withRetry =
    state.Retry === undefined ? state : { ...state, Retry: state.Retry.map((r) => scaleRetrier(r, context)) };
  switch (state.Type) {
    case 'Wait': {
      context.bindings.set(name, {
        kind: 'wait',
        stateName: name,
        timing: parseState(WaitTiming, state, name, context),
      });
      // The engine waits (scaled, abortable, on the execution clock); a Wait carries no Retry/Catch/Result*.
      const { Type: _type, Seconds: _s, SecondsPath: _sp, Timestamp: _t, TimestampPath: _tp, ...rest } = state;
      return { ...rest, Type: 'Task', Resource: ENGINE_WAIT_RESOURCE, TimeoutSeconds: MAX_TIMER_SECONDS };
    }
    case 'Task': {
      const task = parseState(TaskFields, state, name, context);
      const binding = taskBinding(name, task, context);
      context.bindings.set(name, binding);
      if (binding.kind === 'lambda-callback') {
        // The token wait is engine-timed (scaled, on the execution clock, heartbeats): the library must never time out.
        // Its *Path fields read the state input, which the library does not hand over: Parameters carry it along.
        const {
          TimeoutSecondsPath: _tp,
          HeartbeatSeconds: _h,
          HeartbeatSecondsPath: _hp,
          Parameters: parameters,
          ...rest
        } = withRetry as Record<string, unknown>;
        const carried = {
          [`${CARRIED_STATE_INPUT}.$`]: '$',
          ...(parameters === undefined ? {} : { [CARRIED_PARAMETERS]: parameters }),
        };
        return { ...rest, Parameters: carried, TimeoutSeconds: MAX_TIMER_SECONDS };
      }
      // The library's default task timeout is 60 s; Step Functions has none (the Lambda's own timeout applies).
      const timeoutSeconds =
        task.TimeoutSecondsPath !== undefined
          ? undefined
          : Math.min(task.TimeoutSeconds ?? MAX_TIMER_SECONDS, MAX_TIMER_SECONDS);
      return timeoutSeconds === undefined ? withRetry : { ...withRetry, TimeoutSeconds: timeoutSeconds };
    }
    case 'Parallel': {
      const branches = Array.isArray(state.Branches) ? state.Branches : [];
      return { ...withRetry, Branches: branches.map((branch) => prepareStates(asMapping(branch), context)) };
    }
    case 'Map': {
      const key = isPlainObject(state.ItemProcessor) ? 'ItemProcessor' : 'Iterator';
      return { ...withRetry, [key]: prepareStates(asMapping(state[key]), context) };
    }
    default:
      return withRetry;
  }
}

function taskBinding(name: string, task: z.infer<typeof TaskFields>, context: PrepareContext): TaskBinding {
  const timing = { TimeoutSeconds: task.TimeoutSeconds, TimeoutSecondsPath: task.TimeoutSecondsPath };
  if (task.Resource === LAMBDA_CALLBACK_RESOURCE) {
    checkInvokedFunction(name, task, context);
    const callbackTiming = {
      ...timing,
      HeartbeatSeconds: task.HeartbeatSeconds,
      HeartbeatSecondsPath: task.HeartbeatSecondsPath,
    };
    return { kind: 'lambda-callback', stateName: name, timing: callbackTiming };
  }
  if (isLambdaFunctionArn(task.Resource)) {
    const fn = context.functions.byFunctionReference(task.Resource);
    if (fn === undefined) {
      throw new DefinitionError(
        `${context.label}: state '${name}' calls ${task.Resource}, which is not a function of this project (declared: ${context.functions.declaredKeys()})`,
      );
    }
    return { kind: 'lambda', stateName: name, fn, timing };
  }
  if (task.Resource === LAMBDA_INVOKE_RESOURCE) {
    checkInvokedFunction(name, task, context);
    return { kind: 'lambda-invoke', stateName: name, timing };
  }
  throw new DefinitionError(
    `${context.label}: state '${name}' uses Resource '${task.Resource}'; locally only Lambda functions of this project (direct ARN, ${LAMBDA_INVOKE_RESOURCE} or ${LAMBDA_CALLBACK_RESOURCE}) can run`,
  );
}

/** A FunctionName written out in the definition must be one of this project's functions (a `.$` path is checked at run time). */
function checkInvokedFunction(name: string, task: z.infer<typeof TaskFields>, context: PrepareContext): void {
  const functionName = isPlainObject(task.Parameters) ? task.Parameters.FunctionName : undefined;
  if (typeof functionName === 'string' && context.functions.byFunctionReference(functionName) === undefined) {
    throw new DefinitionError(
      `${context.label}: state '${name}' invokes '${functionName}', which is not a function of this project (declared: ${context.functions.declaredKeys()})`,
    );
  }
}

/** Retry pauses shrink by timeScale inside the library; the execution clock books them back at full length. */
function scaleRetrier(
  retrier: Record<string, unknown> & { IntervalSeconds?: number; MaxDelaySeconds?: number },
  context: PrepareContext,
) {
  const scaled: Record<string, unknown> = {
    ...retrier,
    IntervalSeconds: (retrier.IntervalSeconds ?? 1) * context.timeScale,
  };
  if (retrier.MaxDelaySeconds !== undefined) scaled.MaxDelaySeconds = retrier.MaxDelaySeconds * context.timeScale;
  return scaled;
}

function asMapping(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}
