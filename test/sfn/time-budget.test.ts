import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClientConfig, WEBHOOK_AWS_CALL_LIMITS } from '../../lib/runtime/aws-clients';
import { withDeadline } from '../../lib/runtime/deadline';
import { startExecution } from '../../lib/sfn';

/** Step Functions calls inside an invocation's budget: cut off at its deadline, as a Transient the Retry matches. */
describe('Step Functions calls inside an invocation budget', () => {
  let server: http.Server;
  let sfn: SFNClient;
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    // Accepts every request and never answers.
    server = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    sfn = new SFNClient({
      ...awsClientConfig(WEBHOOK_AWS_CALL_LIMITS, `http://127.0.0.1:${port}`),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    sfn?.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('aborts a StartExecution that would outlive the budget, as Transient', async () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:m';
    const started = Date.now();

    const failure = await withDeadline(started + 400, () => startExecution(sfn, arn, 'n', {})).catch(
      (error: unknown) => error,
    );

    expect(failure).toMatchObject({ name: 'Transient', message: expect.stringMatching(/StartExecution/) });
    expect(Date.now() - started).toBeLessThan(1_200);
  });
});
