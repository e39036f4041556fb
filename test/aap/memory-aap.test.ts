import { MemoryAap } from '../../lib/aap';
import { describeAapContract } from './port-contract';

describeAapContract('in memory', async () => {
  const templates = { job: 'contract-job', workflow: 'contract-workflow', noPrompt: 'contract-no-prompt' };
  const aap = new MemoryAap([
    { name: templates.job },
    { name: templates.workflow, type: 'workflow_job_template' },
    { name: templates.noPrompt, askVariablesOnLaunch: false },
  ]);
  return { port: aap, templates, purge: (id) => aap.purge(id) };
});
