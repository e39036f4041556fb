/**
 * Typed failures of the AAP client. Step Functions branches on `name` (`errorType` of a failed Lambda), so every
 * subclass sets it explicitly: constructor names do not survive minification.
 *
 * None of these errors ever carries a raw transport error as `cause`: axios errors hold the request headers, and
 * with them the bearer token.
 */

export type AapErrorName =
  | 'TemplateNotFound'
  | 'AmbiguousTemplate'
  | 'VariablesIgnored'
  | 'CredentialsIgnored'
  | 'LaunchRejected'
  | 'JobNotFound'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Transient'
  | 'InvalidResponse'
  | 'TooManyCandidates';

export type AapErrorCode =
  | 'TEMPLATE_NOT_FOUND'
  | 'AMBIGUOUS_TEMPLATE'
  | 'VARIABLES_IGNORED'
  | 'CREDENTIALS_IGNORED'
  | 'LAUNCH_REJECTED'
  | 'JOB_NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'TOKEN_INVALID'
  | 'FORBIDDEN'
  | 'HTTP_STATUS'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'NON_JSON_BODY'
  | 'TOKEN_UNAVAILABLE'
  | 'INVALID_BODY'
  | 'UNEXPECTED_STATUS'
  | 'TOO_MANY_CANDIDATES';

export type AapJobKind = 'job' | 'workflow_job';

/** Appended wherever a launch may have created a job nobody knows the id of. */
export const LAUNCH_OUTCOME_UNKNOWN_NOTE =
  '; the job may or may not have been created: reconcile before launching again';

/** ` after 3 attempts`, or nothing for a single attempt. */
export function afterAttempts(attempts: number): string {
  return attempts > 1 ? ` after ${attempts} attempts` : '';
}
export type AapTemplateType = 'job_template' | 'workflow_job_template';

interface AapErrorInit {
  status?: number;
  retryable: boolean;
  /** True when a launch POST may or may not have created a job: the caller must reconcile, never blindly relaunch. */
  launchOutcomeUnknown?: boolean;
}

export abstract class AapError extends Error {
  declare readonly name: AapErrorName;
  readonly code: AapErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly launchOutcomeUnknown: boolean;

  protected constructor(name: AapErrorName, code: AapErrorCode, message: string, init: AapErrorInit) {
    super(message);
    // Read-only and explicit: the state machines match on it, so nothing may rename it later.
    Object.defineProperty(this, 'name', { value: name, enumerable: true, configurable: false, writable: false });
    this.code = code;
    this.status = init.status;
    this.retryable = init.retryable;
    this.launchOutcomeUnknown = init.launchOutcomeUnknown ?? false;
  }

  /** What a Lambda error payload or a structured log line should show; deliberately no stack and no cause. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, message: this.message };
  }
}

export class TemplateNotFound extends AapError {
  declare readonly name: 'TemplateNotFound';
  constructor(
    readonly templateName: string,
    readonly searched: readonly string[],
    status?: number,
  ) {
    super('TemplateNotFound', 'TEMPLATE_NOT_FOUND', templateNotFoundMessage(templateName, searched, status), {
      status,
      retryable: false,
    });
  }
}

function templateNotFoundMessage(templateName: string, searched: readonly string[], status?: number): string {
  if (status === 404) {
    return `AAP template "${templateName}" no longer exists (${searched.join(', ')} answered 404); it was deleted or replaced after it was looked up`;
  }
  return `No AAP job template or workflow job template is named "${templateName}" (searched ${searched.join(' and ')})`;
}

export interface AmbiguousTemplateMatch {
  id: number;
  organization: number | null | undefined;
}

export class AmbiguousTemplate extends AapError {
  declare readonly name: 'AmbiguousTemplate';
  constructor(
    readonly templateName: string,
    readonly endpoint: string,
    readonly matches: readonly AmbiguousTemplateMatch[],
    organizationConfigured: boolean,
  ) {
    const which = matches.map((m) => `id ${m.id} (organization ${m.organization ?? 'none'})`).join(', ');
    const advice = organizationConfigured
      ? 'names should be unique per organization and template type'
      : 'set the AapClient "organization" option to choose one';
    super(
      'AmbiguousTemplate',
      'AMBIGUOUS_TEMPLATE',
      `${matches.length} AAP templates are named "${templateName}" at ${endpoint}: ${which}; ${advice}`,
      { retryable: false },
    );
  }
}

/** The "Prompt on launch" setting that makes AAP accept each launch field we send. */
const PROMPT_FOR: Readonly<Record<string, string>> = { extra_vars: 'Variables', credentials: 'Credentials' };

/**
 * AAP answers 201 to a launch whose fields the template does not prompt for, and runs the job without them. The
 * message names the setting to fix and the job that exists anyway (the caller cancels and records it).
 */
function ignoredFieldsMessage(
  templateName: string,
  templateId: number,
  jobId: number,
  kind: AapJobKind,
  ignoredFields: readonly string[],
): string {
  const prompts = ignoredFields.map((field) => PROMPT_FOR[field]).filter((prompt) => prompt !== undefined);
  const fix =
    prompts.length > 0
      ? `enable "Prompt on launch" for ${prompts.join(' and ')} on template "${templateName}". `
      : `make template "${templateName}" prompt on launch for ${ignoredFields.join(', ')}. `;
  const without = ignoredFields.includes('extra_vars')
    ? 'without our variables'
    : `without ${ignoredFields.join(', ')}`;
  return (
    `AAP created ${kind} ${jobId} from template "${templateName}" (id ${templateId}) but ignored ${ignoredFields.join(', ')}: ` +
    `${fix}${kind} ${jobId} exists and runs ${without}; cancel or record it`
  );
}

export class VariablesIgnored extends AapError {
  declare readonly name: 'VariablesIgnored';
  constructor(
    readonly templateName: string,
    readonly templateId: number,
    readonly jobId: number,
    readonly kind: AapJobKind,
    /** Only the field names: the ignored values echo the launch payload, which may hold credentials. */
    readonly ignoredFields: readonly string[],
  ) {
    super(
      'VariablesIgnored',
      'VARIABLES_IGNORED',
      ignoredFieldsMessage(templateName, templateId, jobId, kind, ignoredFields),
      { status: 201, retryable: false },
    );
  }
}

/**
 * The variables went through but the per-cluster credentials did not: the job would act on whatever cluster the
 * template's own credential points at, so it is as wrong as one without variables. `jobId` is undefined when the
 * launch was not sent at all: a workflow job template has no launch-time credentials (AAP would drop them unread).
 */
export class CredentialsIgnored extends AapError {
  declare readonly name: 'CredentialsIgnored';
  constructor(
    readonly templateName: string,
    readonly templateId: number,
    readonly jobId: number | undefined,
    readonly kind: AapJobKind,
    readonly ignoredFields: readonly string[],
  ) {
    super(
      'CredentialsIgnored',
      'CREDENTIALS_IGNORED',
      jobId === undefined
        ? `Workflow job template "${templateName}" (id ${templateId}) takes no launch-time credentials, so AAP would ` +
            `run it without this cluster's: launch job templates that prompt on launch for Credentials, or set the ` +
            `credentials on the workflow's nodes and remove aapCredentials from the cluster's registry entry`
        : ignoredFieldsMessage(templateName, templateId, jobId, kind, ignoredFields),
      { ...(jobId === undefined ? {} : { status: 201 }), retryable: false },
    );
  }
}

/** A launch AAP turned (or would turn) into a job without some of what we sent; a job it created must be cancelled. */
export type IgnoredFieldsError = VariablesIgnored | CredentialsIgnored;

export function isIgnoredFieldsError(err: unknown): err is IgnoredFieldsError {
  return err instanceof VariablesIgnored || err instanceof CredentialsIgnored;
}

export class LaunchRejected extends AapError {
  declare readonly name: 'LaunchRejected';
  constructor(
    readonly templateName: string,
    readonly templateId: number,
    status: number,
    /** AAP's own validation messages, e.g. `variables_needed_to_start: 'app_version' value missing`. */
    readonly messages: readonly string[],
  ) {
    const quoted = messages.length > 0 ? messages.join('; ') : 'no reason given';
    super(
      'LaunchRejected',
      'LAUNCH_REJECTED',
      `AAP rejected the launch of template "${templateName}" (id ${templateId}) with HTTP ${status}: ${quoted}`,
      { status, retryable: false },
    );
  }
}

export class JobNotFound extends AapError {
  declare readonly name: 'JobNotFound';
  constructor(
    readonly jobId: number,
    readonly kind: AapJobKind,
    endpoint: string,
  ) {
    super(
      'JobNotFound',
      'JOB_NOT_FOUND',
      `AAP ${kind} ${jobId} does not exist (${endpoint} answered 404): it was purged or never existed`,
      { status: 404, retryable: false },
    );
  }
}

export class Unauthorized extends AapError {
  declare readonly name: 'Unauthorized';
  constructor(message: string, code: 'UNAUTHORIZED' | 'TOKEN_INVALID' = 'UNAUTHORIZED', status?: number) {
    super('Unauthorized', code, message, { status, retryable: false });
  }
}

export class Forbidden extends AapError {
  declare readonly name: 'Forbidden';
  constructor(message: string) {
    super('Forbidden', 'FORBIDDEN', message, { status: 403, retryable: false });
  }
}

export class Transient extends AapError {
  declare readonly name: 'Transient';
  /** How many HTTP attempts were made before giving up. */
  readonly attempts: number;
  constructor(
    message: string,
    code: 'HTTP_STATUS' | 'NETWORK' | 'TIMEOUT' | 'NON_JSON_BODY' | 'TOKEN_UNAVAILABLE',
    init: { status?: number; attempts?: number; launchOutcomeUnknown?: boolean },
  ) {
    super('Transient', code, message, {
      status: init.status,
      retryable: true,
      launchOutcomeUnknown: init.launchOutcomeUnknown,
    });
    this.attempts = init.attempts ?? 1;
  }
}

export class InvalidResponse extends AapError {
  declare readonly name: 'InvalidResponse';
  constructor(
    message: string,
    code: 'INVALID_BODY' | 'UNEXPECTED_STATUS',
    init: { status?: number; launchOutcomeUnknown?: boolean } = {},
  ) {
    super('InvalidResponse', code, message, {
      status: init.status,
      retryable: false,
      launchOutcomeUnknown: init.launchOutcomeUnknown,
    });
  }
}

/**
 * `findLaunchedJobs` met more candidate jobs than it may read. Not retryable: the set only grows with time. The
 * caller cannot tell whether its launch happened, so it must not launch again on the strength of this search.
 */
export class TooManyCandidates extends AapError {
  declare readonly name: 'TooManyCandidates';
  constructor(
    readonly templateName: string,
    /** ISO-8601 UTC: the lower bound on `created` the search used. */
    readonly since: string,
    readonly limit: number,
    /** The controller's count when it gave one, otherwise how many had been seen when the bound was crossed. */
    readonly found: number,
    endpoint: string,
  ) {
    super(
      'TooManyCandidates',
      'TOO_MANY_CANDIDATES',
      `More than ${limit} AAP jobs of template "${templateName}" were created since ${since} (${found} at ${endpoint}): ` +
        `findLaunchedJobs reads at most limit=${limit} candidates; pass a later "since" or a higher "limit"`,
      { retryable: false },
    );
  }
}
