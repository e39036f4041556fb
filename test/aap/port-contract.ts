import type { AapPort } from '../../lib/aap';

/**
 * The AAP port contract the workflow tasks rely on, run against AapClient on the AAP simulator and against the
 * in-memory MemoryAap, so the task unit tests stand on what the real client does.
 */
export interface AapUnderTest {
  port: AapPort;
  /** A job template whose jobs stay pending, a workflow job template, a template not prompting for variables. */
  templates: { job: string; workflow: string; noPrompt: string };
  purge(id: number): void | Promise<void>;
  close?(): Promise<void>;
}

const payload = (uid: string) => ({ metadata: { name: `vm-${uid}`, namespace: 'ns', uid } });

export function describeAapContract(label: string, setup: () => Promise<AapUnderTest>): void {
  describe(`AAP port contract: ${label}`, () => {
    let t: AapUnderTest;
    beforeAll(async () => {
      t = await setup();
    });
    afterAll(async () => {
      await t?.close?.();
    });

    it('templates by name: job and workflow job templates; an unknown name is TemplateNotFound', async () => {
      expect(await t.port.findTemplate(t.templates.job)).toMatchObject({ type: 'job_template', name: t.templates.job });
      expect(await t.port.findTemplate(t.templates.workflow)).toMatchObject({ type: 'workflow_job_template' });
      await expect(t.port.findTemplate('no-such-template')).rejects.toMatchObject({ name: 'TemplateNotFound' });
    });

    it('a launch creates a job carrying the payload and the cluster, readable by id', async () => {
      const launched = await t.port.launch(t.templates.job, { payload: payload('uid-read'), cluster: 'c1' });
      expect(launched.kind).toBe('job');
      const job = await t.port.getJob({ id: launched.jobId, kind: 'job' });
      expect(job).toMatchObject({ id: launched.jobId, kind: 'job', terminal: false });
      expect(job.extraVars()).toMatchObject({
        ansible_eda: { event: { payload: { metadata: { uid: 'uid-read' } } } },
        cloudkit_cluster: 'c1',
      });
      const workflow = await t.port.launch(t.templates.workflow, { payload: payload('uid-wf') });
      expect(workflow.kind).toBe('workflow_job');
    });

    it('ignored variables: VariablesIgnored names the job AAP created anyway', async () => {
      const error = await t.port.launch(t.templates.noPrompt, { payload: payload('uid-np') }).catch((e) => e);
      expect(error).toMatchObject({ name: 'VariablesIgnored', jobId: expect.any(Number) });
      expect((await t.port.getJob({ id: error.jobId, kind: 'job' })).id).toBe(error.jobId);
    });

    it('a workflow job template takes no launch-time credentials: CredentialsIgnored, nothing created', async () => {
      const error = await t.port
        .launch(t.templates.workflow, { payload: payload('uid-wc'), credentials: [3] })
        .catch((e) => e);
      expect(error).toMatchObject({ name: 'CredentialsIgnored', jobId: undefined });
    });

    it('cancel: accepted (202) for an active job, not-cancelable (405) once it ended', async () => {
      const { jobId } = await t.port.launch(t.templates.job, { payload: payload('uid-cancel') });
      expect(await t.port.cancelJob({ id: jobId, kind: 'job' })).toBe('accepted');
      // Not yet running: AAP cancels it within the request.
      expect(await t.port.getJob({ id: jobId, kind: 'job' })).toMatchObject({ state: 'Canceled', terminal: true });
      expect(await t.port.cancelJob({ id: jobId, kind: 'job' })).toBe('not-cancelable');
    });

    it('a purged job is JobNotFound, and its cancel is gone (404)', async () => {
      const { jobId } = await t.port.launch(t.templates.job, { payload: payload('uid-purge') });
      await t.purge(jobId);
      await expect(t.port.getJob({ id: jobId, kind: 'job' })).rejects.toMatchObject({ name: 'JobNotFound' });
      expect(await t.port.cancelJob({ id: jobId, kind: 'job' })).toBe('gone');
    });

    it('the launch search finds the jobs of one payload uid, oldest first, and refuses to read too many', async () => {
      const since = new Date(Date.now() - 60_000);
      const first = await t.port.launch(t.templates.job, { payload: payload('uid-search') });
      await t.port.launch(t.templates.job, { payload: payload('uid-other') });
      const second = await t.port.launch(t.templates.job, { payload: payload('uid-search') });
      const found = await t.port.findLaunchedJobs({ templateName: t.templates.job, since, payloadUid: 'uid-search' });
      expect(found.map((job) => job.id)).toEqual([first.jobId, second.jobId]);
      await expect(
        t.port.findLaunchedJobs({ templateName: t.templates.job, since, payloadUid: 'uid-search', limit: 1 }),
      ).rejects.toMatchObject({ name: 'TooManyCandidates' });
    });
  });
}
