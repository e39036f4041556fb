import type { Context } from 'aws-lambda';
import { handler } from '../../functions/reconcile';
import { AapClient } from '../../lib/aap';
import { formatMetaTime, GROUP, PLURAL, VERSION } from '../../lib/computeinstance';
import { DEFAULT_NAMESPACE, type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient } from '../e2e/harness';

// Jobs of this template stay running for the whole suite and touch no VM.
const STEADY_TEMPLATE = 'reconcile-steady-job';

const lambdaContext = {
  functionName: 'reconcile',
  awsRequestId: 'req-reconcile-batching',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:reconcile',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe('the reconciler reads AAP job states in batches (local stack)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.01,
      templates: [{ name: STEADY_TEMPLATE, durations: { pending: 0, waiting: 0, running: 10_000_000 } }],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('N running jobs cost ceil(N/200) job-list requests', async () => {
    // One more than a request holds: the smallest N that needs a second one.
    const count = 201;
    const aap = new AapClient({ baseUrl: stack.env.AAP_URL as string, token: stack.aap.token });
    const jobIds: number[] = [];
    await inBatches(count, 16, async (i) => {
      jobIds[i] = (await aap.launch(STEADY_TEMPLATE, { payload: { probe: i } })).jobId;
    });
    aap.close();
    await inBatches(count, 16, (i) => createWithRunningJob(stack, `vm-steady-${i}`, jobIds[i] as number));

    stack.aap.clearRequestLog();
    const report = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext);

    const jobLists = stack.aap.requestLog().filter((r) => r.path.endsWith('/jobs/') && r.query.includes('id__in'));
    expect(jobLists).toHaveLength(Math.ceil(count / 200));
    // Every request of the run was one of those lists: no job was read one at a time.
    expect(stack.aap.requestLog()).toHaveLength(jobLists.length);
    const askedFor = jobLists.flatMap((r) => decodeURIComponent(/id__in=([^&]*)/.exec(r.query)?.[1] ?? '').split(','));
    expect(new Set(askedFor)).toEqual(new Set(jobIds.map(String)));
    // Still running in AAP: their outcome is for their executions to record; nothing is started.
    expect(report).toMatchObject({
      aapCalls: Math.ceil(count / 200),
      instances: count,
      ignored: count,
      started: { provision: 0, deprovision: 0 },
      restarted: 0,
      alreadyRunning: 0,
      errors: 0,
    });
  }, 90_000);
});

async function inBatches(count: number, size: number, task: (index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += size) {
    const indexes = Array.from({ length: Math.min(size, count - start) }, (_, offset) => start + offset);
    await Promise.all(indexes.map(task));
  }
}

/** An object whose status says a provision job is running, as a poller that then died would have left it. */
async function createWithRunningJob(stack: LocalStack, name: string, jobId: number): Promise<void> {
  const created = await new ClusterClient(stack).create(name);
  const url = `${stack.kube.url}/apis/${GROUP}/${VERSION}/namespaces/${DEFAULT_NAMESPACE}/${PLURAL}/${name}/status`;
  const timestamp = formatMetaTime(stack.now());
  const status = { provisioningJobs: [{ jobID: String(jobId), type: 'provision', state: 'Running', timestamp }] };
  const res = await fetch(url, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${stack.kube.token}`, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ metadata: { resourceVersion: created.metadata.resourceVersion }, status }),
  });
  if (res.status !== 200) throw new Error(`status of ${name}: ${res.status} ${await res.text()}`);
}
