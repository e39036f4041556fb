import { z } from 'zod';

/**
 * The settings of `npm start` (the whole system on one machine), from environment variables. One schema, one table:
 * `LOCAL_SETTINGS_HELP` documents every variable and is what `npm start -- --help` prints.
 */

/** Dev defaults: they guard simulators listening on 127.0.0.1 only, never a real system, so they are printed. */
export const DEV_WEBHOOK_SECRET = 'local-webhook-secret';
export const DEV_AAP_SIM_TOKEN = 'local-aap-sim-token';
export const DEV_KUBE_SIM_TOKEN = 'local-kube-sim-token';
export const DEV_AAP_NOTIFICATION_TOKEN = 'local-aap-notification-token';

export const PORT_VARIABLES = ['PORT', 'AAP_SIM_PORT', 'KUBE_SIM_PORT', 'SFN_PORT'] as const;
export type PortVariable = (typeof PORT_VARIABLES)[number];

const PORT_MESSAGE = 'must be a TCP port number from 0 to 65535 (0 picks a free port)';

function port(name: string, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, `${name} ${PORT_MESSAGE}`)
    .transform(Number)
    .refine((value) => value <= 65535, `${name} ${PORT_MESSAGE}`)
    .default(fallback);
}

/** Tokens and secrets: never echoed in a message, whatever is wrong with them. */
function secret(name: string) {
  return z.string().regex(/^[\x21-\x7e]+$/, `${name} must be printable ASCII without spaces (its value is not shown)`);
}

const TIME_SCALE_MESSAGE = 'TIME_SCALE must be a number greater than 0 and at most 1 (0.02 runs the system 50x faster)';

export const LocalSettings = z
  .object({
    PORT: port('PORT', 3000),
    AAP_SIM_PORT: port('AAP_SIM_PORT', 8043),
    KUBE_SIM_PORT: port('KUBE_SIM_PORT', 6443),
    SFN_PORT: port('SFN_PORT', 8083),
    TIME_SCALE: z
      .string()
      .transform(Number)
      .refine((value) => Number.isFinite(value) && value > 0 && value <= 1, TIME_SCALE_MESSAGE)
      .default(1),
    WEBHOOK_SECRET: secret('WEBHOOK_SECRET').default(DEV_WEBHOOK_SECRET),
    AAP_SIM_TOKEN: secret('AAP_SIM_TOKEN').default(DEV_AAP_SIM_TOKEN),
    KUBE_SIM_TOKEN: secret('KUBE_SIM_TOKEN').default(DEV_KUBE_SIM_TOKEN),
    RECONCILE_INTERVAL_SECONDS: z
      .string()
      .regex(/^\d+$/, 'RECONCILE_INTERVAL_SECONDS must be a whole number of seconds, at least 1')
      .transform(Number)
      .refine((value) => value >= 1, 'RECONCILE_INTERVAL_SECONDS must be a whole number of seconds, at least 1')
      .default(300),
    AAP_URL: z
      .url({
        protocol: /^https?$/,
        error: 'AAP_URL must be an http(s) URL, e.g. https://aap.example.com/api/controller',
      })
      .refine((url) => {
        const parsed = URL.parse(url);
        return parsed === null || (parsed.username === '' && parsed.password === '');
      }, 'AAP_URL must not carry credentials; set AAP_TOKEN')
      .optional(),
    AAP_TOKEN: secret('AAP_TOKEN').optional(),
    // Unset: on with the simulator; with AAP_URL only when asked for, since it changes the user's AAP.
    AAP_NOTIFICATIONS: z.enum(['on', 'off'], { error: 'AAP_NOTIFICATIONS must be on or off' }).optional(),
    AAP_NOTIFICATION_TOKEN: secret('AAP_NOTIFICATION_TOKEN').default(DEV_AAP_NOTIFICATION_TOKEN),
    CLUSTERS_FILE: z.string().optional(),
  })
  .superRefine((settings, ctx) => {
    if ((settings.AAP_URL === undefined) !== (settings.AAP_TOKEN === undefined)) {
      const missing = settings.AAP_URL === undefined ? 'AAP_URL' : 'AAP_TOKEN';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `${missing} is missing: a real AAP needs both AAP_URL and AAP_TOKEN (unset both to use the simulator)`,
      });
    }
    const byPort = new Map<number, string>();
    for (const name of PORT_VARIABLES) {
      const value = settings[name];
      if (value === 0) continue;
      const other = byPort.get(value);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${other} and ${name} are both ${value}: each service needs a port of its own`,
        });
      }
      byPort.set(value, name);
    }
  });
export type LocalSettings = z.infer<typeof LocalSettings>;

/** Whether AAP notifies the receiver when a job ends (else the workflows poll alone). */
export function aapNotificationsEnabled(settings: Pick<LocalSettings, 'AAP_NOTIFICATIONS' | 'AAP_URL'>): boolean {
  return settings.AAP_NOTIFICATIONS === undefined
    ? settings.AAP_URL === undefined
    : settings.AAP_NOTIFICATIONS === 'on';
}

/** A setting that cannot be used; the message is one line that names the variable (and never holds a secret). */
export class LocalSettingsError extends Error {
  override readonly name = 'LocalSettingsError';
}

/**
 * Reads the settings. A variable set to the empty string counts as unset (the usual `VAR= npm start` idiom). Every
 * problem is reported, joined into one line.
 */
export function loadLocalSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const given: Record<string, string> = {};
  for (const key of Object.keys(LocalSettings.shape)) {
    const value = env[key]?.trim();
    if (value !== undefined && value !== '') given[key] = value;
  }
  const parsed = LocalSettings.safeParse(given);
  if (!parsed.success) {
    const messages = [...new Set(parsed.error.issues.map(describeIssue))];
    throw new LocalSettingsError(`invalid setting: ${messages.join('; ')}`);
  }
  return parsed.data;
}

/** Our messages start with the variable; zod's own (a type mismatch) get the variable put in front. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const variable = String(issue.path[0] ?? '');
  return variable !== '' && !issue.message.startsWith(variable) ? `${variable}: ${issue.message}` : issue.message;
}

/** What `npm start -- --help` prints and the README shows: every variable, its default, what it does. */
export const LOCAL_SETTINGS_HELP: ReadonlyArray<{ variable: keyof LocalSettings; fallback: string; meaning: string }> =
  [
    { variable: 'PORT', fallback: '3000', meaning: 'HTTP gateway: the console at `/` and the webhook routes' },
    { variable: 'AAP_SIM_PORT', fallback: '8043', meaning: 'AAP controller simulator' },
    { variable: 'KUBE_SIM_PORT', fallback: '6443', meaning: 'Kubernetes API-server simulator (the local cluster)' },
    { variable: 'SFN_PORT', fallback: '8083', meaning: 'local Step Functions endpoint' },
    {
      variable: 'TIME_SCALE',
      fallback: '1',
      meaning: 'how fast simulated time runs: 0.02 makes a 20 s AAP job take 0.4 s (0 < TIME_SCALE <= 1)',
    },
    {
      variable: 'WEBHOOK_SECRET',
      fallback: `\`${DEV_WEBHOOK_SECRET}\``,
      meaning: "the local cluster's webhook HMAC key: the forwarder signs with it, the webhook checks it",
    },
    { variable: 'AAP_SIM_TOKEN', fallback: `\`${DEV_AAP_SIM_TOKEN}\``, meaning: 'bearer token of the AAP simulator' },
    {
      variable: 'KUBE_SIM_TOKEN',
      fallback: `\`${DEV_KUBE_SIM_TOKEN}\``,
      meaning: 'bearer token of the kube simulator',
    },
    {
      variable: 'RECONCILE_INTERVAL_SECONDS',
      fallback: '300',
      meaning: 'how often the reconciler runs, in simulated seconds (real time = interval x TIME_SCALE)',
    },
    {
      variable: 'AAP_URL',
      fallback: '(unset)',
      meaning: 'with AAP_TOKEN: launch jobs on this real AAP controller instead of the simulator',
    },
    { variable: 'AAP_TOKEN', fallback: '(unset)', meaning: 'bearer token for AAP_URL (never printed)' },
    {
      variable: 'AAP_NOTIFICATIONS',
      fallback: 'on (simulator), off (AAP_URL)',
      meaning:
        '`on`: configure AAP to notify `/v1/aap/notifications` when a job ends (configure-aap); `off`: poll alone',
    },
    {
      variable: 'AAP_NOTIFICATION_TOKEN',
      fallback: `\`${DEV_AAP_NOTIFICATION_TOKEN}\``,
      meaning: 'bearer token AAP sends with each notification and the receiver checks',
    },
    {
      variable: 'CLUSTERS_FILE',
      fallback: '(unset)',
      meaning: 'a `{"clusters":[…]}` registry file: serve these real clusters instead of the local one',
    },
  ];

/** The help table as markdown (also readable in a terminal). */
export function localSettingsTable(): string {
  const rows = LOCAL_SETTINGS_HELP.map((row) => `| \`${row.variable}\` | ${row.fallback} | ${row.meaning} |`);
  return ['| variable | default | what it sets |', '|---|---|---|', ...rows].join('\n');
}
