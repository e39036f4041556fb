import { AapClient } from '../../../lib/aap';
import { startAapSimulator } from '../../../local/aap-simulator';
import { describeAapContract } from '../port-contract';

// The same contract as MemoryAap's (test/aap/memory-aap.test.ts), here the HTTP client against the AAP simulator.
describeAapContract('AapClient on the AAP simulator', async () => {
  const templates = { job: 'contract-job', workflow: 'contract-workflow', noPrompt: 'contract-no-prompt' };
  const sim = await startAapSimulator({
    templates: [
      // Jobs stay pending for the whole suite: every case sees them active until it moves them on.
      { name: templates.job, durations: { pending: 3600 } },
      { name: templates.workflow, kind: 'workflow', durations: { pending: 3600 } },
      { name: templates.noPrompt, askVariablesOnLaunch: false, durations: { pending: 3600 } },
    ],
  });
  const client = new AapClient({ baseUrl: `${sim.url}/api/controller`, token: sim.token });
  return {
    port: client,
    templates,
    purge: async (id) => {
      // AAP's cleanup, through the simulator's admin endpoint.
      const response = await fetch(`${sim.url}/_sim/jobs/${id}/purge`, { method: 'POST' });
      if (response.status !== 204) throw new Error(`purge of job ${id}: HTTP ${response.status}`);
    },
    close: async () => {
      client.close();
      await sim.close();
    },
  };
});
