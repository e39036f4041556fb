import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { type SfnBackend, sfnOperations } from './api';
import { executionArnOf, executionRoleArn } from './arns';
import { DefinitionError, FunctionIndex, prepareDefinition } from './definition';
import { Execution, type ExecutionRecord, type PreparedStateMachine } from './execution';
import { nameProblem } from './execution-rules';
import { listenSfnHttp } from './http-server';
import { LambdaRuntime } from './lambda-runtime';
import { type SfnEngineOptions, SfnEngineOptionsSchema } from './options';
import { loadServerlessProject } from './serverless-project';
import { TaskTokens } from './task-tokens';

export interface StateMachineSummary {
  readonly name: string;
  readonly arn: string;
}

export interface SfnEngine {
  /** Give this to `new SFNClient({ endpoint })` (or set SFN_ENDPOINT). */
  readonly endpoint: string;
  readonly port: number;
  /** Stops serving and aborts executions still running, so no timer outlives the engine. */
  close(): Promise<void>;
  stateMachines(): StateMachineSummary[];
  /** Every execution so far, in start order. */
  executions(): ExecutionRecord[];
  /** The execution's AWS-shaped history, oldest first. */
  history(executionArn: string): HistoryEvent[];
  /** Resolves once the execution is no longer RUNNING. */
  settled(executionArn: string): Promise<ExecutionRecord>;
  /** Resolves with the first matching history event, past or future; rejects if the execution closes without one. */
  historyEvent(executionArn: string, matches: (event: HistoryEvent) => boolean): Promise<HistoryEvent>;
}

/**
 * Starts a local Step Functions endpoint for the state machines and functions of a serverless.yml. Every definition
 * is validated up front; the returned promise rejects with one error naming each machine and its problem.
 */
export async function startSfnEngine(options: SfnEngineOptions): Promise<SfnEngine> {
  const config = SfnEngineOptionsSchema.parse(options);
  const project = loadServerlessProject(config);
  const functions = new FunctionIndex(project.functions);
  const creationDate = new Date();

  const problems: string[] = [];
  const machines: PreparedStateMachine[] = [];
  for (const declaration of project.stateMachines) {
    try {
      const badName = nameProblem(declaration.name, 'state machine name');
      if (badName !== undefined) throw new DefinitionError(`state machine '${declaration.key}': ${badName.message}`);
      if (machines.some((machine) => machine.name === declaration.name)) {
        throw new DefinitionError(`state machine '${declaration.key}': the name '${declaration.name}' is used twice`);
      }
      const prepared = prepareDefinition(declaration, functions, config.timeScale);
      machines.push({
        key: declaration.key,
        name: declaration.name,
        arn: declaration.arn,
        roleArn: executionRoleArn(config, declaration.name),
        creationDate,
        prepared,
        // Validated above against the deployed form; the runnable form has engine rewrites the validator would refuse.
        runner: new StateMachine(prepared.runnable, { validationOptions: { noValidate: true } }),
      });
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    throw new DefinitionError(`cannot start the local Step Functions engine:\n${problems.join('\n')}`);
  }

  const runtime = new LambdaRuntime({
    loadHandler: config.loadHandler,
    invocationTimeoutMs: config.invocationTimeoutMs,
  });
  const executions = new Map<string, Execution>();
  const tokens = new TaskTokens();
  const dependencies = { runtime, functions, region: config.region, timeScale: config.timeScale, tokens };
  const backend: SfnBackend = {
    tokens,
    stateMachines: () => machines,
    stateMachine: (arn) => machines.find((machine) => machine.arn === arn),
    executions: () => [...executions.values()],
    execution: (arn) => executions.get(arn),
    startExecution: (machine, name, input) => {
      const arn = executionArnOf(machine.arn, name);
      const execution = new Execution(machine, arn, name, input, executions.size, dependencies);
      executions.set(arn, execution);
      execution.start();
      return execution;
    },
  };
  const server = await listenSfnHttp(sfnOperations(backend), config.host, config.port);

  const executionOf = (arn: string) => {
    const execution = executions.get(arn);
    if (execution === undefined) throw new Error(`no execution ${arn} in this engine`);
    return execution;
  };
  return {
    endpoint: server.endpoint,
    port: server.port,
    close: async () => {
      for (const execution of executions.values()) {
        execution.stop('SfnEngine.Closed', 'The local Step Functions engine was closed while the execution ran.');
      }
      await server.close();
    },
    stateMachines: () => machines.map(({ name, arn }) => ({ name, arn })),
    executions: () => [...executions.values()].map((execution) => execution.snapshot()),
    history: (arn) => [...executionOf(arn).events()],
    settled: (arn) => executionOf(arn).settled(),
    historyEvent: (arn, matches) => executionOf(arn).historyEvent(matches),
  };
}
