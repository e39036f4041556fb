/**
 * `npm run sim:aap`: the AAP simulator on its own, for manual runs against a local stack.
 * Env: AAP_SIM_PORT (default 8043), AAP_SIM_HOST (default 127.0.0.1), AAP_SIM_TOKEN (default: a generated dev
 * token, printed), TIME_SCALE (default 1; 0.01 runs jobs 100x faster), AAP_SIM_PLAYBOOKS (`ansible_eda`, the
 * February playbooks, or `osac_job_vars`, today's: what the templates check launches against).
 */

import { ListenError } from '../http';
import { readStandaloneConfig, startupBanner } from './config';
import { startAapSimulator } from './simulator';

async function main(): Promise<void> {
  const config = readStandaloneConfig(process.env);
  const sim = await startAapSimulator({
    port: config.port,
    host: config.host,
    token: config.token,
    timeScale: config.timeScale,
    playbooks: config.playbooks,
  });
  process.stdout.write(`${startupBanner(sim.url, config)}\n`);
  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`AAP simulator stopping (${signal})\n`);
    sim.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`AAP simulator did not close cleanly: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const message =
    error instanceof ListenError && error.code === 'EADDRINUSE'
      ? `${error.message} (set AAP_SIM_PORT to a free port)`
      : error instanceof Error
        ? error.message
        : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
