import { LaunchRejected, TemplateNotFound, Transient } from '../../../lib/aap';
import { isLaunchIntent, jobProgressPatch, latestJob } from '../../../lib/computeinstance';
import { launch } from '../../../lib/workflow/tasks';
import { DEPROVISION, harness, PROVISION } from './support';

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
