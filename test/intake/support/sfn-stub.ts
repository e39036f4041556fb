import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StartCall {
  stateMachineArn: string;
  name: string;
  input: unknown;
}

export type StubStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * A Step Functions endpoint (AWS JSON 1.0) that records every StartExecution. Like the service, a name already
 * used is refused with ExecutionAlreadyExists; DescribeExecution answers RUNNING for a started name unless the test
 * ended it (`end`), ExecutionDoesNotExist otherwise; `unavailable` answers 503 to stand in for an outage.
 */
export interface SfnStub {
  endpoint: string;
  starts: StartCall[];
  /** Ends a started execution (by name) with this status, `stoppedAt` now unless given. */
  end(name: string, status: StubStatus, stoppedAt?: Date): void;
  /** Every request, whatever its operation. */
  requests(): number;
  setUnavailable(unavailable: boolean): void;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

export async function startSfnStub(): Promise<SfnStub> {
  const starts: StartCall[] = [];
  const used = new Set<string>();
  const ended = new Map<string, { status: StubStatus; stoppedAt: Date }>();
  let requests = 0;
  let unavailable = false;
  const server = createServer((request, response) => {
    requests += 1;
    void (async () => {
      const body = await readJson(request);
      if (unavailable) return send(response, 503, { __type: 'ServiceUnavailable', message: 'stub is down' });
      if (request.headers['x-amz-target'] === 'AWSStepFunctions.DescribeExecution') {
        const executionArn = String(body.executionArn);
        const name = executionArn.slice(executionArn.lastIndexOf(':') + 1);
        if (!used.has(executionArn)) {
          return send(response, 400, {
            __type: 'ExecutionDoesNotExist',
            message: `Execution Does Not Exist: '${executionArn}'`,
          });
        }
        const end = ended.get(name);
        return send(response, 200, {
          executionArn,
          name,
          status: end?.status ?? 'RUNNING',
          startDate: 0,
          ...(end === undefined ? {} : { stopDate: end.stoppedAt.getTime() / 1000 }),
        });
      }
      if (request.headers['x-amz-target'] !== 'AWSStepFunctions.StartExecution') {
        return send(response, 400, { __type: 'UnknownOperationException', message: 'not stubbed' });
      }
      const call = {
        stateMachineArn: String(body.stateMachineArn),
        name: String(body.name),
        input: JSON.parse(String(body.input)) as unknown,
      };
      starts.push(call);
      const executionArn = `${call.stateMachineArn.replace(':stateMachine:', ':execution:')}:${call.name}`;
      if (used.has(executionArn)) {
        return send(response, 400, {
          __type: 'ExecutionAlreadyExists',
          message: `Execution Already Exists: '${executionArn}'`,
        });
      }
      used.add(executionArn);
      send(response, 200, { executionArn, startDate: Date.now() / 1000 });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    starts,
    end: (name, status, stoppedAt = new Date()) => {
      ended.set(name, { status, stoppedAt });
    },
    requests: () => requests,
    setUnavailable: (value) => {
      unavailable = value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
