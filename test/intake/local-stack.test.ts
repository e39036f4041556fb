import type { ComputeInstance } from '../../lib/computeinstance';
import { startWorkflow } from '../../lib/workflow/start';
import { LOCAL_CLUSTER_ID, LOCAL_WEBHOOKS_SECRET_NAME, type LocalStack, startLocalStack } from '../../local/stack';
import {
  ClusterClient,
  deletionInvariants,
  NAMESPACE,
  refOf as refOfInstance,
  sfnClient as sfnClientOf,
  waitForStatus,
  waitUntilGone,
} from '../e2e/harness';
import { bodyOf, lambdaContext, type Route, signedEvent, watchEventBody } from './support/requests';

type Handler = typeof import('../../functions/webhook')['handler'];

const SECRET = 'intake-stack-secret';
const CREATE_TEMPLATE = 'osac-create-compute-instance';

describe('the webhook on the local stack (real engine, simulated API server and AAP)', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;
  let handler: Handler;

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.01, webhookSecret: SECRET });
    cluster = new ClusterClient(stack);
    // The stack has set the environment the handler builds its clients from.
    ({ handler } = await import('../../functions/webhook'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function send(route: Route, body: string) {
    const response = await handler(signedEvent(LOCAL_CLUSTER_ID, route, body, SECRET), lambdaContext);
    return { status: response.statusCode, body: bodyOf(response) };
  }
  const event = (type: string, object: ComputeInstance) => watchEventBody(type, object);
  const machinesOf = (s: LocalStack) => ({ provisionArn: s.provisionArn, deprovisionArn: s.deprovisionArn });
  const executionsFor = (kind: 'provision' | 'deprovision', name: string) =>
    stack.sfn.executions().filter((e) => e.name.startsWith(`${kind}-${NAMESPACE}-${name}-`));
  const provisionJobs = (i: ComputeInstance) =>
    (i.status?.provisioningJobs ?? []).filter((j) => j.type === 'provision');
  const settledArn = async (response: { body: Record<string, unknown> }) =>
    (await stack.sfn.settled(response.body.executionArn as string)).status;

  it('reads the webhook secrets as deployed: the webhooks secret through the secrets extension (stand-in)', async () => {
    const before = stack.secretsExtension.reads(LOCAL_WEBHOOKS_SECRET_NAME);
    const created = await cluster.create('vm-secret-read');
    expect((await send('events', event('MODIFIED', created))).status).toBeLessThan(300);
    // The registry keeps the document for SECRETS_MAX_AGE_SECONDS: read at most once, by whichever event was first.
    expect(stack.secretsExtension.reads(LOCAL_WEBHOOKS_SECRET_NAME)).toBe(Math.max(before, 1));
    const wrong = await handler(
      signedEvent(LOCAL_CLUSTER_ID, 'events', watchEventBody('MODIFIED', created), 'not-the-secret'),
      lambdaContext,
    );
    expect(wrong.statusCode).toBe(401);
  });

  it('a signed ADDED event starts one provision, however often it arrives or in whatever order', async () => {
    // Hold the AAP job in `running`, so our own status write can be sent back while it is true.
    stack.aap.setFaults({ hangJobs: { templateName: CREATE_TEMPLATE } });
    const created = await cluster.create('vm-hook');

    const first = await send('events', event('ADDED', created));
    expect(first).toEqual({
      status: 202,
      body: {
        action: 'provision',
        executionName: expect.stringMatching(/^provision-osac-computeinstance-vm-hook-[0-9a-f]{8}-g1$/),
        executionArn: expect.stringContaining(':execution:'),
        duplicate: false,
      },
    });
    const repeats = [await send('events', event('ADDED', created)), await send('events', event('ADDED', created))];
    for (const repeat of repeats) {
      expect(repeat).toMatchObject({ status: 202, body: { executionName: first.body.executionName } });
    }

    const running = await waitForStatus(
      cluster,
      'vm-hook',
      (i) => provisionJobs(i).some((j) => j.state === 'Running'),
      'the provision job to be recorded Running',
    );
    const ownWrite = await send('events', event('MODIFIED', running));
    expect(ownWrite).toEqual({
      status: 200,
      body: { action: 'ignored', reason: expect.stringMatching(/provision job \d+ is running/) },
    });

    stack.aap.setFaults({});
    expect(await settledArn(first)).toBe('SUCCEEDED');
    // Out of order: the event of the object as created, arriving after it was provisioned.
    const late = await send('events', event('MODIFIED', created));
    expect(late).toEqual({ status: 202, body: { ...first.body, duplicate: true } });

    const provisioned = await cluster.get('vm-hook');
    expect(provisioned?.status?.phase).toBe('Running');
    expect(provisionJobs(provisioned as ComputeInstance).map((j) => j.state)).toEqual(['Succeeded']);
    expect(executionsFor('provision', 'vm-hook')).toHaveLength(1);
    expect(stack.aap.world.jobs().filter((j) => j.vmKey === `${NAMESPACE}/vm-hook`)).toHaveLength(1);
  });

  it('a stray delete for a live instance starts nothing and cannot take the name the real deletion needs', async () => {
    const created = await cluster.create('vm-stray');
    expect(await settledArn(await send('events', event('ADDED', created)))).toBe('SUCCEEDED');
    const live = (await cluster.get('vm-stray')) as ComputeInstance;

    // A replayed or forged DELETED event, or a bearer-mode delete, for an instance the cluster has not deleted.
    for (const stray of [
      await send('events', event('DELETED', live)),
      await send('delete-compute-instance', JSON.stringify(live)),
    ]) {
      expect(stray).toEqual({
        status: 200,
        body: { action: 'ignored', reason: expect.stringMatching(/no deletionTimestamp/) },
      });
    }
    expect(executionsFor('deprovision', 'vm-stray')).toEqual([]);

    // Signed, with an invented deletion instant: its execution serves that instant only, and finds nothing to do.
    const invented = { ...live, metadata: { ...live.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const forged = await send('events', event('DELETED', invented));
    expect(forged).toMatchObject({ status: 202, body: { action: 'deprovision' } });
    expect(await settledArn(forged)).toBe('SUCCEEDED');
    expect((await cluster.get('vm-stray'))?.metadata.finalizers).toContain('osac.openshift.io/computeinstance');

    // The real deletion gets its own name at once, and completes.
    await cluster.delete('vm-stray');
    const deleting = (await cluster.get('vm-stray')) as ComputeInstance;
    // The invented instant, run again now that the instance is really being deleted: it serves only its own.
    const again = await startWorkflow(
      sfnClientOf(stack),
      machinesOf(stack),
      refOfInstance(live),
      {
        kind: 'deprovision',
        deletionTimestamp: '2026-01-01T00:00:00Z',
        reason: 'test',
      },
      1,
    );
    const servedOther = await stack.sfn.settled(again.executionArn);
    expect(servedOther.status).toBe('SUCCEEDED');
    expect(JSON.parse(servedOther.output ?? '{}').decision.reason).toMatch(
      /serves the deletion of 2026-01-01T00:00:00Z/,
    );
    const real = await send('events', event('MODIFIED', deleting));
    expect(real).toMatchObject({ status: 202, body: { action: 'deprovision', duplicate: false } });
    expect(real.body.executionName).not.toBe(forged.body.executionName);
    expect(await settledArn(real)).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-stray');
    expect(deletionInvariants(stack, 'vm-stray')).toMatchObject({ deprovisionJobs: 1, violations: [], vmsLeft: 0 });
  });

  it('the EDA delete route deprovisions, and the object goes with nothing left behind', async () => {
    await cluster.delete('vm-hook');
    const deleting = (await cluster.get('vm-hook')) as ComputeInstance;
    expect(deleting.metadata.deletionTimestamp).toBeDefined();

    const response = await send('delete-compute-instance', JSON.stringify(deleting));
    expect(response).toMatchObject({ status: 202, body: { action: 'deprovision', duplicate: false } });
    expect(await settledArn(response)).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-hook');
    expect(deletionInvariants(stack, 'vm-hook')).toEqual({
      provisionJobs: 1,
      deprovisionJobs: 1,
      provisionEndedFirst: true,
      violations: [],
      vmsLeft: 0,
    });
  });

  it('the EDA create route provisions, and a DELETED event deprovisions', async () => {
    const created = await cluster.create('vm-eda');
    const provision = await send('create-compute-instance', JSON.stringify(created));
    expect(provision).toMatchObject({ status: 202, body: { action: 'provision' } });
    expect(await settledArn(provision)).toBe('SUCCEEDED');
    expect((await cluster.get('vm-eda'))?.status?.phase).toBe('Running');

    await cluster.delete('vm-eda');
    const deleting = (await cluster.get('vm-eda')) as ComputeInstance;
    const deprovision = await send('events', event('DELETED', deleting));
    expect(deprovision).toMatchObject({ status: 202, body: { action: 'deprovision' } });
    expect(await settledArn(deprovision)).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-eda');
    expect(deletionInvariants(stack, 'vm-eda')).toMatchObject({ provisionJobs: 1, deprovisionJobs: 1, vmsLeft: 0 });
    // After the finalizer went, a late delete has nothing to start.
    expect(
      await send('events', event('DELETED', { ...deleting, metadata: { ...deleting.metadata, finalizers: [] } })),
    ).toMatchObject({ status: 200, body: { action: 'ignored' } });
    expect(executionsFor('deprovision', 'vm-eda')).toHaveLength(1);
  });

  it('a forged event starts nothing', async () => {
    const created = await cluster.create('vm-forged');
    const forged = signedEvent(LOCAL_CLUSTER_ID, 'events', event('ADDED', created), 'not-the-secret');
    const before = stack.sfn.executions().length;
    expect((await handler(forged, lambdaContext)).statusCode).toBe(401);
    expect(stack.sfn.executions()).toHaveLength(before);
  });

  it('records no AAP violation, and no execution carries the webhook secret or the object', () => {
    expect(stack.aap.world.violations()).toEqual([]);
    for (const execution of stack.sfn.executions()) {
      const recorded = JSON.stringify(execution);
      expect(recorded).not.toContain(SECRET);
      expect(recorded).not.toMatch(/"spec"|"templateID"/);
    }
  });
});
