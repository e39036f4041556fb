import { randomUUID } from 'node:crypto';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { describeIssues } from '../../lib/runtime/issues';
import { SfnApiError } from './api-errors';
import { executionArnOf, isExecutionArn, isStateMachineArn } from './arns';
import type { Execution, PreparedStateMachine } from './execution';
import { decideStart, nameProblem, PageTokenError, pageOf } from './execution-rules';
import { exceedsPayloadLimit, PAYLOAD_LIMIT_BYTES } from './payload-limit';
import type { Delivery, TaskTokens } from './task-tokens';

/** What the API needs from the engine. */
export interface SfnBackend {
  stateMachines(): readonly PreparedStateMachine[];
  stateMachine(arn: string): PreparedStateMachine | undefined;
  /** In start order. */
  executions(): readonly Execution[];
  execution(arn: string): Execution | undefined;
  startExecution(machine: PreparedStateMachine, name: string, input: string): Execution;
  /** Tokens of `.waitForTaskToken` tasks, for SendTaskSuccess/Failure/Heartbeat. */
  readonly tokens: TaskTokens;
}

export type SfnOperation = (body: unknown) => unknown;

const MaxResults = z.number().int().min(0).max(1000).optional();
const ExecutionStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

const StartExecutionRequest = z.object({
  stateMachineArn: z.string(),
  name: z.string().optional(),
  input: z.string().optional(),
  traceHeader: z.string().optional(),
});
const DescribeExecutionRequest = z.object({ executionArn: z.string() });
const StopExecutionRequest = z.object({
  executionArn: z.string(),
  error: z.string().max(256).optional(),
  cause: z.string().max(32768).optional(),
});
const ListExecutionsRequest = z.object({
  stateMachineArn: z.string({ error: 'stateMachineArn is required (map runs are not supported locally)' }),
  statusFilter: ExecutionStatus.optional(),
  maxResults: MaxResults,
  nextToken: z.string().optional(),
});
const GetExecutionHistoryRequest = z.object({
  executionArn: z.string(),
  maxResults: MaxResults,
  reverseOrder: z.boolean().optional(),
  nextToken: z.string().optional(),
  includeExecutionData: z.boolean().optional(),
});
// AWS's length constraints. Messages never echo the token: it is a credential for the task.
const TaskToken = z.string().min(1).max(2048);
const SendTaskSuccessRequest = z.object({ taskToken: TaskToken, output: z.string().max(PAYLOAD_LIMIT_BYTES) });
const SendTaskFailureRequest = z.object({
  taskToken: TaskToken,
  error: z.string().max(256).optional(),
  cause: z.string().max(32768).optional(),
});
const SendTaskHeartbeatRequest = z.object({ taskToken: TaskToken });
const ListStateMachinesRequest = z.object({ maxResults: MaxResults, nextToken: z.string().optional() });
const DescribeStateMachineRequest = z.object({ stateMachineArn: z.string() });

/** The Step Functions operations the engine serves, by the name that follows `AWSStepFunctions.` in X-Amz-Target. */
export function sfnOperations(backend: SfnBackend): Record<string, SfnOperation> {
  const machineOf = (arn: string) => {
    if (!isStateMachineArn(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = backend.stateMachine(arn);
    if (machine === undefined)
      throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  };
  const executionOf = (arn: string) => {
    if (!isExecutionArn(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const execution = backend.execution(arn);
    if (execution === undefined) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  };

  return {
    StartExecution: (body) => {
      const request = parseRequest(StartExecutionRequest, body, 'StartExecution');
      const machine = machineOf(request.stateMachineArn);
      const name = request.name ?? randomUUID();
      const problem = nameProblem(name);
      if (problem !== undefined) throw new SfnApiError(problem.type, problem.message);
      const input = request.input ?? '{}';
      if (exceedsPayloadLimit(input)) {
        throw new SfnApiError(
          'ValidationException',
          `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
        );
      }
      try {
        JSON.parse(input);
      } catch (error) {
        throw new SfnApiError(
          'InvalidExecutionInput',
          `Invalid State Machine Execution Input: '${(error as Error).message}'`,
        );
      }
      const executionArn = executionArnOf(machine.arn, name);
      const existing = backend.execution(executionArn);
      const decision = decideStart(existing?.snapshot(), input);
      if (decision.kind === 'conflict') {
        throw new SfnApiError(
          'ExecutionAlreadyExists',
          `Execution Already Exists: '${executionArn}' (${decision.reason})`,
        );
      }
      const execution = existing ?? backend.startExecution(machine, name, input);
      return { executionArn: execution.executionArn, startDate: epochSeconds(execution.startDate) };
    },

    DescribeExecution: (body) => {
      const request = parseRequest(DescribeExecutionRequest, body, 'DescribeExecution');
      const record = executionOf(request.executionArn).snapshot();
      return {
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: epochSeconds(record.startDate),
        ...(record.stopDate === undefined ? {} : { stopDate: epochSeconds(record.stopDate) }),
        input: record.input,
        inputDetails: { included: true },
        ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
        ...(record.error === undefined ? {} : { error: record.error }),
        ...(record.cause === undefined ? {} : { cause: record.cause }),
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
    },

    StopExecution: (body) => {
      const request = parseRequest(StopExecutionRequest, body, 'StopExecution');
      const stopDate = executionOf(request.executionArn).stop(request.error, request.cause);
      return { stopDate: epochSeconds(stopDate) };
    },

    ListExecutions: (body) => {
      const request = parseRequest(ListExecutionsRequest, body, 'ListExecutions');
      const machine = machineOf(request.stateMachineArn);
      const newestFirst = backend
        .executions()
        .filter((execution) => execution.machine === machine)
        .map((execution) => ({ sequence: execution.sequence, record: execution.snapshot() }))
        .filter(({ record }) => request.statusFilter === undefined || record.status === request.statusFilter)
        .reverse();
      const scope = `ListExecutions:${machine.arn}:${request.statusFilter ?? '*'}`;
      const { page, nextToken } = paged(() => pageOf(newestFirst, ({ sequence }) => -sequence, request, scope));
      return {
        executions: page.map(({ record }) => ({
          executionArn: record.executionArn,
          stateMachineArn: record.stateMachineArn,
          name: record.name,
          status: record.status,
          startDate: epochSeconds(record.startDate),
          ...(record.stopDate === undefined ? {} : { stopDate: epochSeconds(record.stopDate) }),
          redriveCount: 0,
        })),
        ...(nextToken === undefined ? {} : { nextToken }),
      };
    },

    GetExecutionHistory: (body) => {
      const request = parseRequest(GetExecutionHistoryRequest, body, 'GetExecutionHistory');
      const execution = executionOf(request.executionArn);
      const reverse = request.reverseOrder ?? false;
      const ordered = reverse ? [...execution.events()].reverse() : execution.events();
      const scope = `GetExecutionHistory:${execution.executionArn}:${reverse}`;
      const { page, nextToken } = paged(() =>
        pageOf(ordered, (event) => (reverse ? -(event.id ?? 0) : (event.id ?? 0)), request, scope),
      );
      const withData = request.includeExecutionData ?? true;
      return {
        events: page.map((event) => serializeEvent(event, withData)),
        ...(nextToken === undefined ? {} : { nextToken }),
      };
    },

    SendTaskSuccess: (body) => {
      const request = parseRequest(SendTaskSuccessRequest, body, 'SendTaskSuccess');
      if (exceedsPayloadLimit(request.output)) {
        throw new SfnApiError(
          'ValidationException',
          `1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
        );
      }
      try {
        JSON.parse(request.output);
      } catch (error) {
        throw new SfnApiError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
      }
      delivered(backend.tokens.answer(request.taskToken, { kind: 'success', output: request.output }));
      return {};
    },

    SendTaskFailure: (body) => {
      const request = parseRequest(SendTaskFailureRequest, body, 'SendTaskFailure');
      const { error, cause } = request;
      delivered(backend.tokens.answer(request.taskToken, { kind: 'failure', error, cause }));
      return {};
    },

    SendTaskHeartbeat: (body) => {
      const request = parseRequest(SendTaskHeartbeatRequest, body, 'SendTaskHeartbeat');
      delivered(backend.tokens.heartbeat(request.taskToken));
      return {};
    },

    ListStateMachines: (body) => {
      const request = parseRequest(ListStateMachinesRequest, body, 'ListStateMachines');
      const machines = backend.stateMachines().map((machine, index) => ({ machine, index }));
      const { page, nextToken } = paged(() => pageOf(machines, ({ index }) => index, request, 'ListStateMachines'));
      return {
        stateMachines: page.map(({ machine }) => ({
          stateMachineArn: machine.arn,
          name: machine.name,
          type: 'STANDARD',
          creationDate: epochSeconds(machine.creationDate),
        })),
        ...(nextToken === undefined ? {} : { nextToken }),
      };
    },

    DescribeStateMachine: (body) => {
      const request = parseRequest(DescribeStateMachineRequest, body, 'DescribeStateMachine');
      const machine = machineOf(request.stateMachineArn);
      return {
        stateMachineArn: machine.arn,
        name: machine.name,
        status: 'ACTIVE',
        definition: JSON.stringify(machine.prepared.definition),
        roleArn: machine.roleArn,
        type: 'STANDARD',
        creationDate: epochSeconds(machine.creationDate),
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: { enabled: false },
      };
    },
  };
}

/** AWS's answer to a token that cannot be used; nothing when it was delivered. */
function delivered(delivery: Delivery): void {
  switch (delivery) {
    case 'delivered':
      return;
    case 'malformed':
      throw new SfnApiError('InvalidToken', 'Invalid Token: the task token cannot be parsed');
    case 'timed-out':
      throw new SfnApiError('TaskTimedOut', 'Task Timed Out: the task of this token timed out');
    case 'does-not-exist':
      throw new SfnApiError(
        'TaskDoesNotExist',
        'Task Does Not Exist: no task is waiting for this token (it ended, its execution stopped, or the token was already used)',
      );
  }
}

/** The AWS JSON protocol writes timestamps as epoch seconds. */
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function serializeEvent(event: HistoryEvent, withData: boolean): Record<string, unknown> {
  const serialized: Record<string, unknown> = { ...event, timestamp: epochSeconds(event.timestamp ?? new Date(0)) };
  if (withData) return serialized;
  // includeExecutionData=false drops the payloads, keeping the events and their other details.
  for (const [key, value] of Object.entries(serialized)) {
    if (key.endsWith('EventDetails') && typeof value === 'object' && value !== null) {
      const { input: _input, output: _output, parameters: _parameters, ...rest } = value as Record<string, unknown>;
      serialized[key] = rest;
    }
  }
  return serialized;
}

function parseRequest<T extends z.ZodType>(schema: T, body: unknown, operation: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new SfnApiError(
    'ValidationException',
    `Invalid ${operation} request: ${describeIssues(parsed.error, [], 'request')}`,
  );
}

function paged<T>(page: () => T): T {
  try {
    return page();
  } catch (error) {
    if (error instanceof PageTokenError) throw new SfnApiError('InvalidToken', error.message);
    throw error;
  }
}
