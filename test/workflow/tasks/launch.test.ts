import { LaunchRejected, TemplateNotFound, Transient } from '../../../lib/aap';
import { isLaunchIntent, jobProgressPatch, latestJob } from '../../../lib/computeinstance';
import { ForbiddenError, TransientError } from '../../../lib/k8s';
import { launch } from '../../../lib/workflow/tasks';
import { tenantAnnotations } from '../../../local/fixtures/sample-instance';
import { LOCAL_TENANT, sampleTenant } from '../../../local/fixtures/sample-tenant';
import { DEPROVISION, type Harness, harness, NAMESPACE, PROVISION } from './support';

describe('launch', () => {
  it('provision: intent, launch with the object, the cluster and its credentials, job id on record', async () => {
    const h = harness({ aapCredentials: [7] });
    const ref = h.create('vm-1');
    const poll = await launch(h.ctx, { ref, type: 'provision', execution: 'exec-1' });

    const [sent] = h.aap.launches;
    expect(sent?.template).toBe(PROVISION);
    expect(sent?.body.extra_vars).toMatchObject({
      ansible_eda: { event: { payload: { metadata: { uid: ref.uid } } } },
      cloudkit_cluster: ref.cluster,
    });
    expect(sent?.body.credentials).toEqual([7]);
    const job = h.aap.jobs()[0];
    expect(poll).toMatchObject({ job: { id: job?.id, kind: 'job', type: 'provision' }, polls: 0 });
    expect(poll.waitSeconds).toBeGreaterThan(0);
    const entry = latestJob((await h.read(ref)).status?.provisioningJobs, 'provision');
    expect(entry).toMatchObject({ jobID: String(job?.id), state: 'Pending' });
    expect(h.metric('ProvisionJobsLaunched')).toBe(1);
  });

  it.each([
    ['the default: both envelopes', {}, ['osac_job_vars', 'ansible_eda']],
    ['the deployment setting', { settings: { AAP_JOB_VARS: 'osac_job_vars' } }, ['osac_job_vars']],
    [
      "the cluster's override over the deployment's",
      { settings: { AAP_JOB_VARS: 'osac_job_vars' }, aapJobVars: 'ansible_eda' },
      ['ansible_eda'],
    ],
  ])('launches with %s', async (_case, options, envelopes) => {
    const h = harness(options);
    const ref = h.create('vm-env');
    await launch(h.ctx, { ref, type: 'provision', execution: 'exec-1' });

    const vars = h.aap.launches[0]?.body.extra_vars ?? {};
    expect(Object.keys(vars).filter((key) => key !== 'cloudkit_cluster')).toEqual(envelopes);
    for (const envelope of envelopes) {
      const object = envelope === 'osac_job_vars' ? vars.osac_job_vars?.resource : vars.ansible_eda?.event.payload;
      expect(object).toMatchObject({ metadata: { uid: ref.uid } });
    }
  });

  it('deprovision sends only the object (with its deletionTimestamp), in each envelope', async () => {
    const h = harness();
    const ref = h.create('vm-gone');
    const provision = await launch(h.ctx, { ref, type: 'provision', execution: 'p-1' });
    h.aap.setStatus(provision.job.id, 'successful');
    await h.store.updateStatus(
      ref,
      jobProgressPatch(provision.job, { state: 'Succeeded', status: 'successful' }, h.now()),
    );
    h.deleteInstance(ref);
    await launch(h.ctx, { ref, type: 'deprovision', execution: 'd-1' });

    const vars = h.aap.launches[1]?.body.extra_vars;
    expect(Object.keys(vars?.osac_job_vars ?? {})).toEqual(['resource']);
    expect(Object.keys(vars?.ansible_eda?.event ?? {})).toEqual(['payload']);
    expect(vars?.osac_job_vars?.resource).toMatchObject({ metadata: { deletionTimestamp: expect.any(String) } });
  });

  it('a workflow template launches a workflow job, polled as one', async () => {
    const h = harness({ templates: [{ name: PROVISION, type: 'workflow_job_template' }, { name: DEPROVISION }] });
    const poll = await launch(h.ctx, { ref: h.create('vm-wf'), type: 'provision', execution: 'exec-1' });
    expect(poll.job.kind).toBe('workflow_job');
  });

  it('deprovision: only once deletion began and no provision job runs', async () => {
    const h = harness();
    const ref = h.create('vm-del');
    await expect(launch(h.ctx, { ref, type: 'deprovision', execution: 'd-1' })).rejects.toMatchObject({
      name: 'LaunchNotNeeded',
    });
    const provision = await launch(h.ctx, { ref, type: 'provision', execution: 'p-1' });
    h.deleteInstance(ref);
    await expect(launch(h.ctx, { ref, type: 'deprovision', execution: 'd-1' })).rejects.toMatchObject({
      name: 'ProvisionJobStillRunning',
    });
    h.aap.setStatus(provision.job.id, 'canceled');
    await h.store.updateStatus(
      ref,
      jobProgressPatch(provision.job, { state: 'Canceled', status: 'canceled' }, h.now()),
    );
    const poll = await launch(h.ctx, { ref, type: 'deprovision', execution: 'd-1' });
    expect(poll.job.type).toBe('deprovision');
    expect((await h.read(ref)).status?.phase).toBe('Deleting');
    expect(h.aap.launches.map((l) => l.template)).toEqual([PROVISION, DEPROVISION]);
    expect(h.metric('DeprovisionJobsLaunched')).toBe(1);
  });

  it('a provision launch on a fresh object that is being deleted is refused before anything reaches AAP', async () => {
    const h = harness();
    const ref = h.create('vm-deleting');
    h.deleteInstance(ref);
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
      name: 'InstanceDeleting',
    });
    expect(h.aap.launches).toEqual([]);
  });

  it('a deletion landing between the decision and the intent write (409) is seen: decided again, refused', async () => {
    const h = harness();
    const ref = h.create('vm-race');
    let once = true;
    h.store.interleave(() => {
      if (!once) return;
      once = false;
      h.deleteInstance(ref);
    });
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
      name: 'InstanceDeleting',
    });
    expect(h.aap.launches).toEqual([]);
    expect((await h.read(ref)).status?.provisioningJobs ?? []).toEqual([]);
  });

  it('two launchers at once: one intent wins, the other finds the launch in flight (LaunchNotNeeded)', async () => {
    const h = harness();
    const ref = h.create('vm-twice');
    const results = await Promise.allSettled([
      launch(h.ctx, { ref, type: 'provision', execution: 'a' }),
      launch(h.ctx, { ref, type: 'provision', execution: 'b' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { name: 'LaunchNotNeeded' } });
    expect(h.aap.launches).toHaveLength(1);
  });

  it.each([
    ['our finalizer is not on yet', { finalizer: false }, 'our finalizer is not on the instance yet'],
    ['the object is managed by hand', { annotations: { 'osac.openshift.io/management-state': 'manual' } }, 'Ignore'],
  ])('LaunchNotNeeded when %s', async (_label, options, message) => {
    const h = harness();
    const ref = h.create('vm-not-needed', options);
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
      name: 'LaunchNotNeeded',
      message: expect.stringContaining(message),
    });
    expect(h.aap.launches).toEqual([]);
  });

  it.each([
    ['LaunchRejected', () => new LaunchRejected(PROVISION, 1, 400, ['variables_needed_to_start']), 'Failed'],
    ['Transient before the POST', () => new Transient('503', 'HTTP_STATUS', { status: 503 }), 'Failed'],
    [
      'Transient with the outcome unknown',
      () => new Transient('timeout', 'TIMEOUT', { launchOutcomeUnknown: true }),
      'intent kept',
    ],
  ])(
    'a launch AAP refuses (%s) is recorded so the next decision backs off, or kept when it may exist',
    async (_l, error, outcome) => {
      const h = harness();
      const ref = h.create('vm-refused');
      const thrown = error();
      h.aap.refuseNextLaunch(thrown);
      await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toBe(thrown);
      const entry = latestJob((await h.read(ref)).status?.provisioningJobs, 'provision');
      if (outcome === 'intent kept') {
        expect(entry && isLaunchIntent(entry)).toBe(true);
      } else {
        expect(entry).toMatchObject({ jobID: '', state: 'Failed' });
        expect(entry?.message).toContain(thrown.message);
      }
    },
  );

  it('a template that does not exist is a Failed record and TemplateNotFound', async () => {
    const h = harness({ templates: [{ name: DEPROVISION }] });
    const ref = h.create('vm-no-template');
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toBeInstanceOf(TemplateNotFound);
    expect(latestJob((await h.read(ref)).status?.provisioningJobs, 'provision')).toMatchObject({ state: 'Failed' });
  });

  it.each([
    ['VariablesIgnored', { name: PROVISION, askVariablesOnLaunch: false }, 'Variables'],
    ['CredentialsIgnored', { name: PROVISION, askCredentialsOnLaunch: false }, 'Credentials'],
  ])(
    '%s: the job AAP created anyway is cancelled and recorded Failed, naming the setting',
    async (name, template, setting) => {
      const h = harness({ templates: [template, { name: DEPROVISION }], aapCredentials: [7] });
      const ref = h.create('vm-ignored');
      await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({ name });
      const job = h.aap.jobs()[0];
      expect(h.aap.cancels).toEqual([job?.id]);
      const entry = latestJob((await h.read(ref)).status?.provisioningJobs, 'provision');
      expect(entry).toMatchObject({ jobID: String(job?.id), state: 'Failed' });
      expect(entry?.message).toContain(`Prompt on launch" for ${setting}`);
    },
  );

  it('CredentialsIgnored by a workflow template: nothing launched, a Failed record', async () => {
    const h = harness({ templates: [{ name: PROVISION, type: 'workflow_job_template' }], aapCredentials: [7] });
    const ref = h.create('vm-wf-creds');
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
      name: 'CredentialsIgnored',
    });
    expect(h.aap.jobs()).toEqual([]);
    expect(latestJob((await h.read(ref)).status?.provisioningJobs, 'provision')).toMatchObject({
      jobID: '',
      state: 'Failed',
    });
  });
});

/** The keys beside the object in the first launch (one place to follow the envelope, `ansible_eda.event` today). */
function launchedEvent(h: Harness): Record<string, unknown> {
  const [sent] = h.aap.launches;
  if (sent === undefined) throw new Error('nothing was launched');
  return (sent.body.extra_vars as { ansible_eda: { event: Record<string, unknown> } }).ansible_eda.event;
}

describe('launch: the tenant, before a provision launch', () => {
  const tenantCondition = (instance: { status?: { conditions?: Array<{ type: string }> } }) =>
    instance.status?.conditions?.find((condition) => condition.type === 'TenantResolved');

  it('found: tenantReference written before the launch (the payload carries it), its storage classes sent', async () => {
    const h = harness();
    const ref = h.create('vm-tenant');
    await launch(h.ctx, { ref, type: 'provision', execution: 'p' });
    const event = launchedEvent(h);
    expect(event.tenant_storage_classes).toEqual([{ name: 'local', tier: 'local' }]);
    expect(event.payload).toMatchObject({ status: { tenantReference: { name: LOCAL_TENANT, namespace: NAMESPACE } } });
    const after = await h.read(ref);
    expect(after.status?.tenantReference).toEqual({ name: LOCAL_TENANT, namespace: NAMESPACE });
    expect(tenantCondition(after)).toMatchObject({ status: 'True', reason: 'TenantFound' });
  });

  it('a tenant without storage classes: the key is left out, as the operator does', async () => {
    const h = harness();
    h.tenants.put(sampleTenant({ name: LOCAL_TENANT, storageClasses: [] }, NAMESPACE));
    await launch(h.ctx, { ref: h.create('vm-no-classes'), type: 'provision', execution: 'p' });
    const event = launchedEvent(h);
    expect(Object.keys(event)).not.toContain('tenant_storage_classes');
  });

  it.each([
    ['no annotation', {} as Record<string, string>, () => {}, 'TenantAnnotationMissing'],
    ['no such tenant', tenantAnnotations('nobody'), () => {}, 'TenantNotFound'],
    [
      'the tenant is being deleted',
      tenantAnnotations('leaving'),
      (h: Harness) =>
        h.tenants.put({
          ...sampleTenant({ name: 'leaving' }, NAMESPACE),
          metadata: { name: 'leaving', namespace: NAMESPACE, deletionTimestamp: '2026-03-20T09:00:00Z' },
        }),
      'TenantDeleting',
    ],
  ])(
    '%s: TenantNotReady, no launch, no intent, the cause on the instance, a metric',
    async (_l, annotations, setup, reason) => {
      const h = harness();
      setup(h);
      const ref = h.create('vm-blocked', { annotations });
      await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
        name: 'TenantNotReady',
      });
      expect(h.aap.launches).toEqual([]);
      const after = await h.read(ref);
      expect(after.status?.provisioningJobs ?? []).toEqual([]);
      expect(after.status?.tenantReference).toBeUndefined();
      expect(tenantCondition(after)).toMatchObject({ status: 'False', reason });
      expect(h.metric('TenantNotResolved')).toBe(1);
    },
  );

  it('a token without get on tenants: TenantUnreadable naming the RBAC to add; a Transient is left to the retry', async () => {
    const h = harness();
    const ref = h.create('vm-forbidden');
    const get = jest.spyOn(h.tenants, 'get').mockRejectedValue(new ForbiddenError('get Tenant: HTTP 403 forbidden'));
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
      name: 'TenantNotReady',
    });
    expect(tenantCondition(await h.read(ref))).toMatchObject({
      status: 'False',
      reason: 'TenantUnreadable',
      message: expect.stringContaining('needs "get" on tenants.osac.openshift.io'),
    });
    get.mockRejectedValue(new TransientError('get Tenant: HTTP 503'));
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
      name: 'Transient',
    });
    expect(h.aap.launches).toEqual([]);
  });

  it('the tenant created after a refusal: the next try launches', async () => {
    const h = harness();
    const ref = h.create('vm-later', { annotations: tenantAnnotations('acme') });
    await expect(launch(h.ctx, { ref, type: 'provision', execution: 'p' })).rejects.toMatchObject({
      name: 'TenantNotReady',
    });
    h.tenants.put(sampleTenant({ name: 'acme', storageClasses: [{ name: 'fast', tier: 'local' }] }, NAMESPACE));
    h.advance(60_000);
    await launch(h.ctx, { ref, type: 'provision', execution: 'p' });
    expect(h.aap.launches).toHaveLength(1);
    expect((await h.read(ref)).status?.tenantReference).toEqual({ name: 'acme', namespace: NAMESPACE });
  });

  it.each([
    ['the TENANT_NAMESPACE setting', { TENANT_NAMESPACE: 'osac-tenants' }, undefined, 'osac-tenants'],
    [
      "the cluster's tenantNamespace over the setting",
      { TENANT_NAMESPACE: 'osac-tenants' },
      'east-tenants',
      'east-tenants',
    ],
  ])('the tenant namespace comes from %s', async (_l, settings, tenantNamespace, expected) => {
    const h = harness({ settings, ...(tenantNamespace ? { tenantNamespace } : {}) });
    h.tenants.put(sampleTenant({ name: LOCAL_TENANT }, expected));
    const ref = h.create('vm-ns');
    await launch(h.ctx, { ref, type: 'provision', execution: 'p' });
    expect((await h.read(ref)).status?.tenantReference).toEqual({ name: LOCAL_TENANT, namespace: expected });
  });

  it('deprovision reads no tenant: a deleted instance without one still gets its delete job', async () => {
    const h = harness();
    const ref = h.create('vm-del-no-tenant', { annotations: {} });
    h.deleteInstance(ref);
    await launch(h.ctx, { ref, type: 'deprovision', execution: 'd' });
    expect(h.aap.launches).toHaveLength(1);
    expect(Object.keys(launchedEvent(h))).toEqual(['payload']);
  });
});
