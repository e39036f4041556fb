import { isDeepStrictEqual } from 'node:util';
import { type ExtraVars, parseExtraVars, readRunningSeconds } from './extra-vars';
import { launchedObject } from './playbooks';
import type { Template } from './templates';
import { pythonTypeName } from './wire-format';

/** Launch-time prompt fields other than extra_vars and credentials. The simulated templates prompt for none of them. */
const JOB_TEMPLATE_PROMPTS = [
  'inventory',
  'limit',
  'job_tags',
  'skip_tags',
  'scm_branch',
  'job_type',
  'verbosity',
  'diff_mode',
  'execution_environment',
  'labels',
  'instance_groups',
  'forks',
  'job_slice_count',
  'timeout',
] as const;
const WORKFLOW_TEMPLATE_PROMPTS = ['inventory', 'limit', 'scm_branch', 'labels', 'job_tags', 'skip_tags'] as const;

export type LaunchPlan =
  | {
      ok: true;
      extraVars: ExtraVars;
      ignoredFields: Record<string, unknown>;
      /** The credential ids the job runs with: the launch's, when the template prompts for them. */
      credentials: number[];
      /** How long the job stays `running` (unscaled seconds): the payload's annotation, else the template's. */
      runningSeconds: number;
    }
  | { ok: false; errors: Record<string, string[]> };

/**
 * AWX's launch validation (`_accept_or_ignore_job_kwargs`), reduced to what the simulated templates have:
 * a job template IGNORES what it does not prompt for (201 + ignored_fields), a workflow template REJECTS it (400).
 * `credentials` is not a workflow launch field at all: AWX's serializer drops it unread, and so does this.
 * Submitted variables equal to the template's own count as neither accepted nor ignored.
 * Beyond AWX: the running duration may come from the launched object (RUNNING_SECONDS_ANNOTATION), read from the
 * variables the job actually got, so a template that ignores variables ignores it too.
 */
export function planLaunch(template: Template, body: Record<string, unknown>): LaunchPlan {
  const errors: Record<string, string[]> = {};
  const ignoredFields: Record<string, unknown> = {};
  let extraVars: ExtraVars = { ...template.defaultVars };

  if (body.extra_vars !== undefined) {
    const runtime = parseExtraVars(body.extra_vars);
    if (!runtime.ok) {
      errors.extra_vars = [runtime.message];
    } else {
      const changed = Object.fromEntries(
        Object.entries(runtime.vars).filter(([key, value]) => !isDeepStrictEqual(template.defaultVars[key], value)),
      );
      if (template.askVariablesOnLaunch) {
        extraVars = { ...extraVars, ...runtime.vars };
      } else if (Object.keys(changed).length > 0) {
        if (template.kind === 'job') {
          ignoredFields.extra_vars = changed;
        } else {
          errors.extra_vars = [
            `Variables ${Object.keys(changed).join(', ')} are not allowed on launch. Check the Prompt on Launch setting on the Workflow Job Template to include Extra Variables.`,
          ];
        }
      }
    }
  }

  let credentials: number[] = [];
  if (body.credentials !== undefined && template.kind === 'job') {
    // AWX's PrimaryKeyRelatedField list: a list of ids (the simulator knows no credential objects to look up).
    const ids = body.credentials;
    if (!Array.isArray(ids)) {
      errors.credentials = [`Expected a list of items but got type "${pythonTypeName(ids)}".`];
    } else if (ids.some((id) => !Number.isInteger(id))) {
      const bad = ids.find((id) => !Number.isInteger(id));
      errors.credentials = [`Incorrect type. Expected pk value, received ${pythonTypeName(bad)}.`];
    } else if (ids.some((id) => (id as number) <= 0)) {
      errors.credentials = [`Invalid pk "${ids.find((id) => (id as number) <= 0)}" - object does not exist.`];
    } else if (template.askCredentialOnLaunch) {
      credentials = ids as number[];
    } else {
      ignoredFields.credentials = ids;
    }
  }

  const prompts = template.kind === 'job' ? JOB_TEMPLATE_PROMPTS : WORKFLOW_TEMPLATE_PROMPTS;
  for (const field of prompts) {
    if (body[field] === undefined) continue;
    if (template.kind === 'job') ignoredFields[field] = body[field];
    else errors[field] = ['Field is not configured to prompt on launch.'];
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const runningSeconds =
    readRunningSeconds(launchedObject(extraVars, template.playbooks)) ?? template.durations.running;
  return { ok: true, extraVars, ignoredFields, credentials, runningSeconds };
}
