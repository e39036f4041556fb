import { parseArgs } from 'node:util';
import { createForwarder } from './create';
import { startHealthServer } from './health';
import { chooseKubeConfigSource, describeKubeConfigSource, type KubeConfigSource, loadKubeConfig } from './kubeconfig';
import { createForwarderLogger } from './logger';
import { ForwarderOptions, type ForwarderOptionsInput } from './options';

/**
 * `cloudkit-provisioner forward …`: the command line, parsed without side effects (parseCommandLine), and the run
 * of the forwarder it describes (main). Bad input ends in one line on stderr and exit code 2.
 */

export const PROGRAM = 'cloudkit-provisioner';

export const USAGE = `Usage: ${PROGRAM} forward --url <webhook URL> --cluster <id> [options]

Watches ComputeInstances and POSTs every change, signed, to <url>/v1/clusters/<id>/events.

Options:
  --url <url>             the webhook's base URL (required)
  --cluster <id>          the id the webhook knows this cluster by (required)
  --namespace <name>      watch this namespace only (default: all namespaces)
  --kubeconfig <file>     cluster credentials (default: $KUBECONFIG, else the pod's service account)
  --queue-capacity <n>    events held while the webhook is slow or down (default: 1000)
  --request-timeout <s>   per POST to the webhook and per list page (default: 10)
  --stats-interval <s>    how often the counters are logged, 0 for never (default: 60)
  --health-port <port>    serve GET /healthz on this port (default: none)
  -h, --help              show this help

Environment:
  WEBHOOK_SECRET          the HMAC key shared with the webhook (required; never a flag, flags show up in ps)

Other command: ${PROGRAM} configure-aap --help (AAP notifications when jobs end)
`;

/** A mistake on the command line or in the environment; the message is one line and names the culprit. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Command =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'forward';
      readonly options: ForwarderOptions;
      readonly secret: string;
      readonly kubeConfig: KubeConfigSource;
      readonly healthPort?: number;
    };

const FLAGS = {
  url: { type: 'string' },
  cluster: { type: 'string' },
  namespace: { type: 'string' },
  kubeconfig: { type: 'string' },
  'queue-capacity': { type: 'string' },
  'request-timeout': { type: 'string' },
  'stats-interval': { type: 'string' },
  'health-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which flag an option came from, for messages about the option. */
const FLAG_OF_OPTION: Record<string, string> = {
  url: '--url',
  cluster: '--cluster',
  namespace: '--namespace',
  queueCapacity: '--queue-capacity',
  requestTimeoutMs: '--request-timeout',
  statsIntervalMs: '--stats-interval',
};

const SECRET_FLAG = /secret|token|password/i;

export function parseCommandLine(
  argv: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  hasServiceAccount?: () => boolean,
): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { kind: 'help' };
  if (command !== 'forward')
    throw new UsageError(`unknown command "${command}" (the commands are "forward" and "configure-aap")`);
  const values = parseFlags(rest);
  if (values.help) return { kind: 'help' };
  for (const required of ['url', 'cluster'] as const) {
    if (values[required] === undefined) throw new UsageError(`--${required} is required`);
  }
  const input: ForwarderOptionsInput = {
    url: values.url as string,
    cluster: values.cluster as string,
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    ...optionalNumber('queueCapacity', values['queue-capacity'], '--queue-capacity', 1, 1),
    ...optionalNumber('requestTimeoutMs', values['request-timeout'], '--request-timeout', 1, 1000),
    ...optionalNumber('statsIntervalMs', values['stats-interval'], '--stats-interval', 0, 1000),
  };
  const parsed = ForwarderOptions.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const option = String(first?.path[0] ?? '');
    const flag = FLAG_OF_OPTION[option] ?? option;
    const given = (values as Record<string, unknown>)[flag.replace(/^--/, '')];
    throw new UsageError(
      `${flag} ${first?.message ?? 'is invalid'}${typeof given === 'string' ? ` (got "${given}")` : ''}`,
    );
  }
  const healthPort = optionalNumber('port', values['health-port'], '--health-port', 0, 1).port;
  if (healthPort !== undefined && healthPort > 65535) throw new UsageError('--health-port must be at most 65535');
  let kubeConfig: KubeConfigSource;
  try {
    kubeConfig = chooseKubeConfigSource(values.kubeconfig, env, hasServiceAccount);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    kind: 'forward',
    options: parsed.data,
    secret: webhookSecret(env),
    kubeConfig,
    ...(healthPort === undefined ? {} : { healthPort }),
  };
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    const flag = /'(?:-\w, )?(--?[\w-]+)/.exec(text)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
      if (SECRET_FLAG.test(flag)) {
        throw new UsageError(`${flag}: secrets are never flags (they show up in ps); set WEBHOOK_SECRET instead`);
      }
      throw new UsageError(`unknown flag ${flag}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
      throw new UsageError(
        FLAGS[flag.replace(/^-+/, '') as keyof typeof FLAGS]?.type === 'boolean'
          ? `${flag} takes no value`
          : `${flag} needs a value`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const argument = /'([^']*)'/.exec(text)?.[1];
      throw new UsageError(`unexpected argument "${argument ?? '?'}"`);
    }
    throw new UsageError(text.split('\n')[0] ?? 'bad command line');
  }
}

/** `{ [key]: value·scale }` for a whole number flag, `{}` when absent. */
function optionalNumber<K extends string>(
  key: K,
  text: string | undefined,
  flag: string,
  min: number,
  scale: number,
): Partial<Record<K, number>> {
  if (text === undefined) return {};
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new UsageError(`${flag} must be a whole number${min > 0 ? ` of at least ${min}` : ''} (got "${text}")`);
  }
  return { [key]: Number(text) * scale } as Partial<Record<K, number>>;
}

function webhookSecret(env: NodeJS.ProcessEnv): string {
  const secret = env.WEBHOOK_SECRET;
  if (secret === undefined || secret === '') {
    throw new UsageError('WEBHOOK_SECRET is not set: the webhook secret comes from the environment, never a flag');
  }
  // A secret read from a file often keeps its trailing newline; the webhook's copy would not, and every
  // signature would then be refused. Say so rather than guess which one is meant.
  if (secret.trim() !== secret) {
    throw new UsageError('WEBHOOK_SECRET starts or ends with whitespace (a newline from a file?); remove it');
  }
  return secret;
}

/** Runs the command line; resolves with the process exit code. */
export async function main(argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message} (see ${PROGRAM} --help)\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  let kubeConfig: ReturnType<typeof loadKubeConfig>;
  try {
    kubeConfig = loadKubeConfig(command.kubeConfig);
  } catch (error) {
    process.stderr.write(`${PROGRAM}: ${(error as Error).message}\n`);
    return 2;
  }
  const logger = createForwarderLogger();
  const forwarder = createForwarder({ options: command.options, secret: command.secret, kubeConfig, logger });
  logger.info('cluster credentials', { from: describeKubeConfigSource(command.kubeConfig) });
  forwarder.start();
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  if (command.healthPort !== undefined) {
    try {
      health = await startHealthServer(forwarder, { port: command.healthPort });
      logger.info('health endpoint listening', { url: `${health.url}/healthz` });
    } catch (error) {
      logger.error('cannot serve the health endpoint', { port: command.healthPort, error: (error as Error).message });
      await forwarder.stop();
      return 1;
    }
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (forwarder.state === 'stopping') {
      logger.warn('second signal while stopping; exiting at once', { signal });
      process.exit(130);
    }
    logger.info('stopping on signal', { signal });
    void forwarder.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const report = await forwarder.finished;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await health?.close();
  return report.failure === undefined ? 0 : 1;
}
