import { parseArgs } from 'node:util';
import { InvalidSettings, loadTemplateNames } from '../../config/settings';
import { AWS_CALL_LIMITS } from '../../runtime/aws-clients';
import { createSecretStringReader, SecretReadError, type SecretStringReader } from '../../runtime/secrets';
import { AapError } from '../errors';
import { AapClientOptionsSchema, isHeaderSafeToken } from '../options';
import { AapNotificationTemplates } from './api';
import { DEFAULT_NOTIFICATION_TEMPLATE_NAME, NotificationSetupConflict } from './plan';
import { applyNotificationSetup, type NotificationSetupMode } from './setup';

/**
 * `cloudkit-provisioner configure-aap`: makes AAP tell the receiver when a provision or deprovision job ends. The
 * command line is parsed without side effects (parseConfigureAap); runConfigureAap reads AAP, applies the plan
 * and says what it changed. Exit codes: 0 done, 1 AAP refused or failed (the call and AAP's message are named),
 * 2 bad usage or a missing setting (named).
 */

const PROGRAM = 'cloudkit-provisioner configure-aap';

export const CONFIGURE_AAP_USAGE = `Usage: ${PROGRAM} --callback-url <url> [--name <name>]
       ${PROGRAM} --remove [--name <name>]

Creates (or updates) a webhook notification template in AAP that POSTs {id, type, status} to <url> with
"Authorization: Bearer <AAP_NOTIFICATION_TOKEN>", and attaches it to the success and error notifications of the
provision and deprovision templates (job or workflow job templates). Running it again changes nothing.

Options:
  --callback-url <url>   the receiver: https://<api>/v1/aap/notifications (required unless --remove)
  --name <name>          the notification template's name (default: ${DEFAULT_NOTIFICATION_TEMPLATE_NAME})
  --remove               detach it from both events of both templates; the notification template is kept
  -h, --help             show this help

Environment:
  AAP_URL                       the controller API, e.g. https://aap.example.com/api/controller
  AAP_TOKEN                     a token allowed to edit notification templates and the two templates
  AAP_NOTIFICATION_TOKEN        the receiver's bearer token, or
  AAP_NOTIFICATION_SECRET_NAME  the Secrets Manager secret holding it (the secret string is the token)
  AAP_TEMPLATE_PREFIX, AAP_PROVISION_TEMPLATE, AAP_DEPROVISION_TEMPLATE, AAP_ORGANIZATION
                                which templates, as the task functions find them
`;

export const EXIT_OK = 0;
export const EXIT_AAP_ERROR = 1;
export const EXIT_USAGE = 2;

/** A mistake on the command line or in the environment; the message is one line and names the culprit. */
export class ConfigureAapUsageError extends Error {
  override readonly name = 'ConfigureAapUsageError';
}

/** Where the receiver's bearer token comes from: the environment (local, dev) or a secret (deployed). */
export type NotificationTokenSource = { from: 'env'; token: string } | { from: 'secret'; secretName: string };

export type ConfigureAapCommand =
  | { kind: 'help' }
  | {
      kind: 'run';
      mode: NotificationSetupMode;
      name: string;
      /** Unset with --remove, which needs neither the URL nor the token. */
      callbackUrl: string | undefined;
      aapUrl: string;
      aapToken: string;
      organization: string | undefined;
      templateNames: readonly string[];
      notificationToken: NotificationTokenSource | undefined;
    };

const FLAGS = {
  'callback-url': { type: 'string' },
  name: { type: 'string' },
  remove: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseConfigureAap(argv: readonly string[], env: NodeJS.ProcessEnv): ConfigureAapCommand {
  const values = parseFlags(argv);
  if (values.help) return { kind: 'help' };
  const mode: NotificationSetupMode = values.remove ? 'remove' : 'configure';
  const callbackUrl = values['callback-url'];
  if (mode === 'configure' && callbackUrl === undefined) throw new ConfigureAapUsageError('--callback-url is required');
  if (callbackUrl !== undefined) checkCallbackUrl(callbackUrl);
  const name = values.name ?? DEFAULT_NOTIFICATION_TEMPLATE_NAME;
  if (name.trim() === '' || name.length > 512) {
    throw new ConfigureAapUsageError('--name must be a non-empty name of at most 512 characters');
  }
  const aapUrl = nonEmpty(env, 'AAP_URL', 'the controller API, e.g. https://aap.example.com/api/controller');
  const baseUrl = AapClientOptionsSchema.shape.baseUrl.safeParse(aapUrl);
  if (!baseUrl.success) {
    throw new ConfigureAapUsageError(`AAP_URL: ${baseUrl.error.issues[0]?.message.replace(/^baseUrl /, '')}`);
  }
  const aapToken = nonEmpty(env, 'AAP_TOKEN', 'a token allowed to edit notification templates');
  if (!isHeaderSafeToken(aapToken)) {
    throw new ConfigureAapUsageError('AAP_TOKEN must be visible ASCII characters without spaces (not shown)');
  }
  let templateNames: { provision: string; deprovision: string };
  try {
    templateNames = loadTemplateNames(env);
  } catch (error) {
    if (error instanceof InvalidSettings) throw new ConfigureAapUsageError(error.message);
    throw error;
  }
  return {
    kind: 'run',
    mode,
    name,
    callbackUrl,
    aapUrl,
    aapToken,
    organization: env.AAP_ORGANIZATION?.trim() || undefined,
    templateNames: [templateNames.provision, templateNames.deprovision],
    notificationToken: mode === 'remove' ? undefined : notificationTokenSource(env),
  };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    const flag = /'(?:-\w, )?(--?[\w-]+)/.exec(text)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
      if (/secret|token|password/i.test(flag)) {
        throw new ConfigureAapUsageError(
          `${flag}: secrets are never flags (they show up in ps); set AAP_NOTIFICATION_TOKEN or AAP_NOTIFICATION_SECRET_NAME`,
        );
      }
      throw new ConfigureAapUsageError(`unknown flag ${flag}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
      const boolean = FLAGS[flag.replace(/^-+/, '') as keyof typeof FLAGS]?.type === 'boolean';
      throw new ConfigureAapUsageError(boolean ? `${flag} takes no value` : `${flag} needs a value`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new ConfigureAapUsageError(`unexpected argument "${/'([^']*)'/.exec(text)?.[1] ?? '?'}"`);
    }
    throw new ConfigureAapUsageError(text.split('\n')[0] ?? 'bad command line');
  }
}

function checkCallbackUrl(text: string): void {
  const url = URL.parse(text);
  const problem =
    url === null
      ? 'is not an absolute URL'
      : url.protocol !== 'https:' && url.protocol !== 'http:'
        ? `must use https (or http locally), not ${url.protocol.replace(/:$/, '')}`
        : url.username || url.password
          ? 'must not carry credentials: the bearer token is the credential'
          : undefined;
  if (problem !== undefined) {
    throw new ConfigureAapUsageError(
      `--callback-url ${problem} (got "${text}"), e.g. https://api.example.com/v1/aap/notifications`,
    );
  }
}

function nonEmpty(env: NodeJS.ProcessEnv, variable: string, what: string): string {
  const value = env[variable]?.trim();
  if (value === undefined || value === '') throw new ConfigureAapUsageError(`${variable} is not set (${what})`);
  return value;
}

function notificationTokenSource(
  env: NodeJS.ProcessEnv,
): NonNullable<ConfigureAapCommand & { kind: 'run' }>['notificationToken'] {
  const token = env.AAP_NOTIFICATION_TOKEN;
  if (token !== undefined && token !== '') return { from: 'env', token: checkedToken(token, 'AAP_NOTIFICATION_TOKEN') };
  const secretName = env.AAP_NOTIFICATION_SECRET_NAME?.trim();
  if (secretName) return { from: 'secret', secretName };
  throw new ConfigureAapUsageError(
    "set AAP_NOTIFICATION_TOKEN or AAP_NOTIFICATION_SECRET_NAME: the receiver's bearer token, which AAP will send",
  );
}

/** The token goes into an HTTP header; a trailing newline from a file would make every notification a 401. */
function checkedToken(token: string, source: string): string {
  if (!isHeaderSafeToken(token)) {
    throw new ConfigureAapUsageError(
      `${source} must be visible ASCII characters without spaces or newlines (its value is not shown)`,
    );
  }
  return token;
}

export interface ConfigureAapDeps {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** The secret string of a Secrets Manager secret. */
  readSecret: SecretStringReader;
  /** Seams for tests: the AAP calls' waits between retries. */
  sleep?: (ms: number) => Promise<void>;
}

/** Runs the command line; resolves with the exit code. */
export async function runConfigureAap(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  deps: ConfigureAapDeps,
): Promise<number> {
  let command: ConfigureAapCommand;
  try {
    command = parseConfigureAap(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigureAapUsageError)) throw error;
    deps.stderr(`${PROGRAM}: ${error.message} (see ${PROGRAM} --help)`);
    return EXIT_USAGE;
  }
  if (command.kind === 'help') {
    deps.stdout(CONFIGURE_AAP_USAGE.trimEnd());
    return EXIT_OK;
  }
  let token = '';
  const source = command.notificationToken;
  if (source?.from === 'env') token = source.token;
  if (source?.from === 'secret') {
    try {
      token = (await deps.readSecret(source.secretName)).trim();
    } catch (error) {
      // SecretReadError names the secret and why, never the value; of anything else only its name is safe to show.
      if (error instanceof SecretReadError) {
        deps.stderr(`${PROGRAM}: ${error.message} (AAP_NOTIFICATION_SECRET_NAME)`);
        return EXIT_AAP_ERROR;
      }
      const name = error instanceof Error ? error.name : 'Error';
      deps.stderr(`${PROGRAM}: cannot read secret ${source.secretName} (AAP_NOTIFICATION_SECRET_NAME): ${name}`);
      return EXIT_AAP_ERROR;
    }
    if (token === '' || !isHeaderSafeToken(token)) {
      deps.stderr(
        `${PROGRAM}: secret ${source.secretName} (AAP_NOTIFICATION_SECRET_NAME) must hold the token as visible ASCII without spaces (not shown)`,
      );
      return EXIT_USAGE;
    }
  }
  const api = new AapNotificationTemplates(
    {
      baseUrl: command.aapUrl,
      token: command.aapToken,
      ...(command.organization === undefined ? {} : { organization: command.organization }),
    },
    deps.sleep === undefined ? {} : { sleep: deps.sleep },
  );
  const redact = (text: string) => (token === '' ? text : text.split(token).join('****'));
  try {
    const result = await applyNotificationSetup(
      api,
      command.templateNames,
      { name: command.name, callbackUrl: command.callbackUrl ?? '', token },
      command.mode,
    );
    for (const line of result.lines) deps.stdout(redact(line));
    return EXIT_OK;
  } catch (error) {
    if (error instanceof AapError || error instanceof NotificationSetupConflict) {
      deps.stderr(`${PROGRAM}: ${redact(error.message)}`);
      return EXIT_AAP_ERROR;
    }
    throw error;
  } finally {
    api.close();
  }
}

/**
 * The deployed way to read the token: the one secret reader (lib/runtime/secrets.ts). A shell has no secrets
 * extension, so it takes the SDK transport (unless PARAMETERS_SECRETS_EXTENSION_HTTP_PORT says otherwise).
 */
export function cliSecretReader(env: NodeJS.ProcessEnv = process.env): SecretStringReader {
  // Read once per run: nothing to keep fresh.
  return createSecretStringReader({ maxAgeSeconds: 0, limits: AWS_CALL_LIMITS, env });
}
