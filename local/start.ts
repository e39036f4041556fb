import { parseCommandLine, UsageError } from './command-line';
import { type LocalSettings, LocalSettingsError, loadLocalSettings, localSettingsTable } from './config';
import { type DemoResult, runDemo } from './demo';
import { type RunningSystem, startSystem } from './system';
import { startBanner } from './system/banner';
import { PortUnavailableError } from './system/ports';

/**
 * `npm start`: the whole system on one machine, with no AWS account, no cluster and no AAP (see ./system).
 *
 *   npm start                 run until Ctrl-C
 *   npm start -- --demo       run the lifecycle demo on the started system, print its summary, exit 0 if it held
 *   npm start -- --help       the settings (environment variables)
 */

/** How long shutdown may take before the process says what is still open and exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;
/**
 * Signals this close to the first are the same Ctrl-C: a terminal signals the whole process group, and the tsx
 * launcher relays the signal again when this process is slow to acknowledge it.
 */
const REPEATED_SIGNAL_MS = 1_000;

export interface StartArguments {
  demo: boolean;
  help: boolean;
}

export function parseStartArguments(argv: readonly string[]): StartArguments {
  const values = parseCommandLine(argv, { demo: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  return { demo: values.demo ?? false, help: values.help ?? false };
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(code);
}

/** The process ends by itself once everything is closed; if something still holds it open, say what and exit. */
function exitWhenDrained(code: number): void {
  process.exitCode = code;
  const watchdog = setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
    process.stderr.write(`npm start: shutdown left resources open (${open.join(', ')}); exiting anyway\n`);
    process.exit(EXIT_FAILED);
  }, SHUTDOWN_GRACE_MS);
  watchdog.unref();
}

async function main(): Promise<void> {
  let args: StartArguments;
  let settings: LocalSettings;
  try {
    args = parseStartArguments(process.argv.slice(2));
    if (args.help) {
      const ports = 'Any port may be 0: a free one is picked and printed.';
      process.stdout.write(
        `npm start [-- --demo]\n\nSettings (environment variables):\n\n${localSettingsTable()}\n\n${ports}\n`,
      );
      return;
    }
    settings = loadLocalSettings(process.env);
    if (args.demo && (settings.AAP_URL || settings.CLUSTERS_FILE)) {
      throw new UsageError('--demo runs on the simulators: unset AAP_URL, AAP_TOKEN and CLUSTERS_FILE');
    }
  } catch (error) {
    if (error instanceof LocalSettingsError || error instanceof UsageError) fail(error.message, EXIT_USAGE);
    throw error;
  }

  const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  // The demo draws its own view; a plain run reports what the webhook and the reconciler did.
  const starting = startSystem(settings, args.demo ? {} : { log });
  const demo = new AbortController();
  // Settles when the demo has stopped; the system closes only then, so its summary reads the system still running.
  let demoRun: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  let firstSignalAt: number | undefined;
  const stop = (code: number, signal?: NodeJS.Signals): Promise<void> => {
    if (signal !== undefined) {
      const now = Date.now();
      firstSignalAt ??= now;
      // Another Ctrl-C a moment later: the user does not want to wait for a clean shutdown.
      if (now - firstSignalAt > REPEATED_SIGNAL_MS) process.exit(EXIT_FAILED);
    }
    if (stopping !== undefined) return stopping;
    if (signal !== undefined) process.stdout.write(`\n${signal}: stopping…\n`);
    demo.abort();
    // Interrupted while starting: whatever did start is closed by startSystem itself when it fails, or here.
    stopping = starting
      .then(
        async (system) => {
          await demoRun.catch(() => undefined);
          await system.close();
        },
        () => undefined,
      )
      .then(
        () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          exitWhenDrained(code);
        },
        (error: unknown) =>
          fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILED),
      );
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => void stop(EXIT_OK, signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let system: RunningSystem;
  try {
    system = await starting;
  } catch (error) {
    if (stopping !== undefined) return;
    if (error instanceof PortUnavailableError || error instanceof LocalSettingsError) fail(error.message, EXIT_USAGE);
    const message = error instanceof Error ? error.message : String(error);
    fail(`could not start: ${message.split('\n')[0]}`, EXIT_FAILED);
  }
  if (stopping !== undefined) return;

  process.stdout.write(`${startBanner(system)}\n\n`);
  if (!args.demo) return;
  if (settings.TIME_SCALE === 1) {
    process.stdout.write('In real time the demo takes several minutes; TIME_SCALE=0.02 runs it in under one.\n\n');
  }

  let result: DemoResult;
  try {
    const running = runDemo(system.stack, { output: process.stdout, namespace: system.namespace, signal: demo.signal });
    demoRun = running;
    result = await running;
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    await stop(EXIT_FAILED);
    return;
  }
  await stop(result.ok ? EXIT_OK : EXIT_FAILED);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT_FAILED);
  });
}
