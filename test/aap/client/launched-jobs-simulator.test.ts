import { AapClient, type LaunchResult, TooManyCandidates, Transient } from '../../../lib/aap';
import { type AapSimulator, startAapSimulator } from '../../../local/aap-simulator';
import { API_PREFIXES, type ApiPrefix } from '../../support/aap-fixtures';
import { caught } from './harness';

/**
 * findLaunchedJobs end to end: the simulator keeps the jobs and applies AWX's list filters, its clock is ours to
 * move, so `created` is exact. Jobs stay pending (1000 s scaled to 10 s): the search does not care about status.
 */
const START = Date.parse('2026-03-20T10:00:00Z');
let clock = START;
let sim: AapSimulator;
beforeAll(async () => {
  sim = await startAapSimulator({
    timeScale: 0.01,
    now: () => clock,
    templates: [
      { name: 'sim-provision', durations: { pending: 1000 } },
      { name: 'sim-deprovision', durations: { pending: 1000 } },
      { name: 'sim-provision-workflow', kind: 'workflow', durations: { pending: 1000 } },
    ],
  });
});
const clients: AapClient[] = [];
afterEach(() => {
  sim.reset();
  clock = START;
  for (const client of clients.splice(0)) client.close();
});
afterAll(() => sim.close());

function clientFor(prefix: ApiPrefix = '/api'): AapClient {
  const client = new AapClient(
    { baseUrl: `${sim.url}${prefix}`, token: sim.token },
    { sleep: () => Promise.resolve() },
  );
  clients.push(client);
  return client;
}

/** Launches `template` for the ComputeInstance `uid`, `atSecond` seconds after START on the simulator's clock. */
function launchFor(client: AapClient, template: string, uid: string, atSecond: number): Promise<LaunchResult> {
  clock = START + atSecond * 1000;
  return client.launch(template, {
    payload: { kind: 'ComputeInstance', metadata: { name: `vm-${uid}`, namespace: 'tenant-a', uid }, spec: {} },
  });
}

const at = (second: number) => new Date(START + second * 1000).toISOString();
const jobListRequests = () => sim.requestLog().filter((entry) => /\/v2\/(workflow_)?jobs\/$/.test(entry.path));
const detailRequests = () => sim.requestLog().filter((entry) => /\/v2\/(workflow_)?jobs\/\d+\/$/.test(entry.path));

describe.each(API_PREFIXES)('findLaunchedJobs against the AAP simulator under %s', (prefix) => {
  it('finds nothing when no job was launched', async () => {
    const client = clientFor(prefix);

    await expect(
      client.findLaunchedJobs({ templateName: 'sim-provision', since: at(0), payloadUid: 'uid-a' }),
    ).resolves.toEqual([]);
  });

  it('finds the job of the instance among the jobs of other instances', async () => {
    const client = clientFor(prefix);
    await launchFor(client, 'sim-provision', 'uid-a', 1);
    const wanted = await launchFor(client, 'sim-provision', 'uid-b', 2);
    await launchFor(client, 'sim-provision', 'uid-c', 3);

    const jobs = await client.findLaunchedJobs({ templateName: 'sim-provision', since: at(0), payloadUid: 'uid-b' });

    expect(jobs.map((job) => [job.id, job.kind, job.state])).toEqual([[wanted.jobId, 'job', 'Pending']]);
    expect(jobs[0]?.extraVars()).toMatchObject({ ansible_eda: { event: { payload: { metadata: { uid: 'uid-b' } } } } });
  });

  it('leaves out a job of the instance created before since, and keeps one created exactly at since', async () => {
    const client = clientFor(prefix);
    await launchFor(client, 'sim-provision', 'uid-a', 0);
    const recent = await launchFor(client, 'sim-provision', 'uid-a', 60);

    const jobs = await client.findLaunchedJobs({ templateName: 'sim-provision', since: at(60), payloadUid: 'uid-a' });

    expect(jobs.map((job) => job.id)).toEqual([recent.jobId]);
  });

  it('returns every job of the instance oldest first, and none of another template', async () => {
    const client = clientFor(prefix);
    const first = await launchFor(client, 'sim-provision', 'uid-a', 1);
    await launchFor(client, 'sim-deprovision', 'uid-a', 2);
    const second = await launchFor(client, 'sim-provision', 'uid-a', 3);

    const jobs = await client.findLaunchedJobs({ templateName: 'sim-provision', since: at(0), payloadUid: 'uid-a' });

    expect(jobs.map((job) => job.id)).toEqual([first.jobId, second.jobId]);
  });

  it('searches the workflow jobs of a workflow job template', async () => {
    const client = clientFor(prefix);
    await launchFor(client, 'sim-provision', 'uid-a', 1);
    await launchFor(client, 'sim-provision-workflow', 'uid-b', 2);
    const wanted = await launchFor(client, 'sim-provision-workflow', 'uid-a', 3);

    const jobs = await client.findLaunchedJobs({
      templateName: 'sim-provision-workflow',
      since: at(0),
      payloadUid: 'uid-a',
    });

    expect(jobs.map((job) => [job.id, job.kind])).toEqual([[wanted.jobId, 'workflow_job']]);
    expect(jobListRequests().map((entry) => entry.path)).toEqual([`${prefix}/v2/workflow_jobs/`]);
  });

  it('refuses more candidates than its limit without reading a detail', async () => {
    const client = clientFor(prefix);
    for (const [index, uid] of ['uid-a', 'uid-b', 'uid-c'].entries())
      await launchFor(client, 'sim-provision', uid, index);
    sim.clearRequestLog();

    const error = await caught(() =>
      client.findLaunchedJobs({ templateName: 'sim-provision', since: at(0), payloadUid: 'uid-a', limit: 2 }),
    );

    expect(error).toBeInstanceOf(TooManyCandidates);
    expect(error).toMatchObject({ limit: 2, found: 3 });
    expect(detailRequests()).toEqual([]);
  });

  it('settles a launch whose 201 was lost: the job AAP created is found', async () => {
    const client = clientFor(prefix);
    await client.findTemplate('sim-provision');
    await launchFor(client, 'sim-provision', 'uid-other', 1);
    sim.setFaults({ dropRate: 1, dropMode: 'after-handling' });

    const lost = await caught(() => launchFor(client, 'sim-provision', 'uid-a', 2));
    sim.setFaults({});
    const jobs = await client.findLaunchedJobs({ templateName: 'sim-provision', since: at(2), payloadUid: 'uid-a' });

    expect(lost).toBeInstanceOf(Transient);
    expect(lost).toMatchObject({ launchOutcomeUnknown: true });
    const created = sim.world.jobs().filter((job) => job.extraVars.includes('"uid": "uid-a"'));
    expect(created).toHaveLength(1);
    expect(jobs.map((job) => job.id)).toEqual([created[0]?.id]);
  });
});

describe('findLaunchedJobs against the AAP simulator: pagination', () => {
  it('walks past the 200-item page cap and finds the job on the second page', async () => {
    const client = clientFor('/api/controller');
    for (let index = 0; index < 200; index += 1) await launchFor(client, 'sim-provision', `uid-${index}`, 1);
    const wanted = await launchFor(client, 'sim-provision', 'uid-last', 2);
    sim.clearRequestLog();

    const jobs = await client.findLaunchedJobs({
      templateName: 'sim-provision',
      since: at(0),
      payloadUid: 'uid-last',
      limit: 201,
    });

    expect(jobs.map((job) => job.id)).toEqual([wanted.jobId]);
    expect(jobListRequests().map((entry) => new URLSearchParams(entry.query).get('page'))).toEqual([null, '2']);
    expect(detailRequests()).toHaveLength(201);
  });
});
