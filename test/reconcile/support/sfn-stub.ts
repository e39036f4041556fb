import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';

/**
 * A tiny Step Functions endpoint (AWS JSON 1.0) answering only what the reconciler asks: DescribeExecution (a
 * status set by the test, else ExecutionDoesNotExist) and StartExecution (the name becomes RUNNING; a name that
 * exists is ExecutionAlreadyExists). It counts every call, so tests and the bench can see what a run cost.
 */

export type StubStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface StartedExecution {
  stateMachineArn: string;
  name: string;
  input: unknown;
}

export interface SfnStub {
  readonly endpoint: string;
  /** A real SDK client pointed at the stub. */
  client(): SFNClient;
  /** Sets what DescribeExecution answers for an execution name (any state machine); undefined removes it. */
  setStatus(name: string, status: StubStatus | undefined, stoppedAt?: Date): void;
  /** Answers DescribeExecution for names nobody set (default: absent); e.g. RUNNING for a share of them. */
  setFallback(fallback: (name: string) => StubStatus | undefined): void;
  /** Called after each DescribeExecution is answered, e.g. to let a "webhook" start that name right then. */
  onDescribe(listener: ((name: string) => void) | undefined): void;
  /** Calls by operation, e.g. { DescribeExecution: 12, StartExecution: 3 }. */
  calls(): Record<string, number>;
  started(): StartedExecution[];
  reset(): void;
  close(): Promise<void>;
}

const DescribeRequest = z.object({ executionArn: z.string().min(1) });
const StartRequest = z.object({ stateMachineArn: z.string().min(1), name: z.string().min(1), input: z.string() });

/** `arn:aws:states:r:a:execution:<machine>:<name>` → name (the reconciler's names are unique across machines). */
function nameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

export async function startSfnStub(): Promise<SfnStub> {
  const statuses = new Map<string, StubStatus>();
  const stopDates = new Map<string, Date>();
  let fallback: (name: string) => StubStatus | undefined = () => undefined;
  let describeListener: ((name: string) => void) | undefined;
  let counts: Record<string, number> = {};
  let started: StartedExecution[] = [];

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const fail = (res: ServerResponse, type: string, message: string) =>
    reply(res, 400, { __type: `com.amazonaws.states#${type}`, message });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
    counts[operation] = (counts[operation] ?? 0) + 1;
    const body: unknown = raw === '' ? {} : JSON.parse(raw);
    if (operation === 'DescribeExecution') {
      const { executionArn } = DescribeRequest.parse(body);
      const name = nameOf(executionArn);
      const status = statuses.get(name) ?? fallback(name);
      if (status === undefined) fail(res, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
      else
        reply(res, 200, {
          executionArn,
          stateMachineArn: executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
          name,
          status,
          startDate: Date.now() / 1000,
          ...(stopDates.has(name) ? { stopDate: (stopDates.get(name) as Date).getTime() / 1000 } : {}),
        });
      describeListener?.(name);
      return;
    }
    if (operation === 'StartExecution') {
      const request = StartRequest.parse(body);
      if (statuses.has(request.name) || fallback(request.name) !== undefined) {
        return fail(res, 'ExecutionAlreadyExists', `Execution Already Exists: '${request.name}'`);
      }
      statuses.set(request.name, 'RUNNING');
      started.push({ stateMachineArn: request.stateMachineArn, name: request.name, input: JSON.parse(request.input) });
      const executionArn = `${request.stateMachineArn.replace(':stateMachine:', ':execution:')}:${request.name}`;
      return reply(res, 200, { executionArn, startDate: Date.now() / 1000 });
    }
    return fail(res, 'UnknownOperationException', `the stub does not serve ${operation}`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        fail(res, 'InvalidArn', (error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: SFNClient[] = [];

  return {
    endpoint,
    client() {
      const client = new SFNClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'stub', secretAccessKey: 'stub' },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    setStatus(name, status, stoppedAt) {
      if (status === undefined) statuses.delete(name);
      else statuses.set(name, status);
      if (stoppedAt === undefined) stopDates.delete(name);
      else stopDates.set(name, stoppedAt);
    },
    setFallback(next) {
      fallback = next;
    },
    onDescribe(listener) {
      describeListener = listener;
    },
    calls: () => ({ ...counts }),
    started: () => [...started],
    reset() {
      statuses.clear();
      stopDates.clear();
      fallback = () => undefined;
      describeListener = undefined;
      counts = {};
      started = [];
    },
    async close() {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
