/**
 * AWX serializer output for templates and jobs. Field names, order and shapes follow the AWX fixtures
 * (JobTemplateSerializer, JobSerializer/JobDetailSerializer, WorkflowJob*Serializer); every link carries the
 * API prefix the request came in on.
 */
import type { Organization } from './schemas';
import type { Template } from './templates';
import { awxDateTime, awxDateTimeOrNull, elapsedSeconds, pythonJsonDumps } from './wire-format';
import { isActiveStatus, isFailedStatus, type SimJob } from './world';

export interface SerializeContext {
  /** `/api/v2/` or `/api/controller/v2/`, echoed from the request. */
  prefix: string;
  now: number;
}

/** launch: JobSerializer (the 201 body after job/ignored_fields); detail adds counts; list drops heavy fields. */
export type JobSerializerView = 'launch' | 'detail' | 'list';

/** The simulated controller's fixed surroundings: the launching superuser, inventory, project, EE. */
const USER = { id: 1, username: 'admin', first_name: '', last_name: '' };
const INVENTORY = {
  id: 1,
  name: 'osac-inventory',
  description: '',
  has_active_failures: false,
  total_hosts: 1,
  hosts_with_active_failures: 0,
  total_groups: 0,
  has_inventory_sources: false,
  total_inventory_sources: 0,
  inventory_sources_with_failures: 0,
  organization_id: 1,
  kind: '',
};
const PROJECT = {
  id: 6,
  name: 'osac-aap',
  description: '',
  status: 'successful',
  scm_type: 'git',
  allow_override: false,
};
const EXECUTION_ENVIRONMENT = {
  id: 2,
  name: 'Default execution environment',
  description: '',
  image: 'registry.redhat.io/ansible-automation-platform-25/ee-supported-rhel8:latest',
};
const INSTANCE_GROUP = { id: 2, name: 'default', is_container_group: false };
const EXECUTION_NODE = 'aap-sim-exec-01';
export const CONTROLLER_NODE = 'aap-sim-controller-01';
/** What notification bodies name: the launching user, the inventory and project of every job. */
export { INVENTORY as SIM_INVENTORY, PROJECT as SIM_PROJECT, USER as SIM_USER };

const SCM_REVISION = '9c1f3e2b7a4d5c6e8f90a1b2c3d4e5f6a7b8c9d0';

const organizationSummary = (t: Template) => ({ id: t.organization.id, name: t.organization.name, description: '' });
const userCapabilities = { edit: true, delete: true, start: true, schedule: true, copy: true };
const noLabels = { count: 0, results: [] };

/** AWX keeps `last_job` (last finished) and `current_job` (active) on the template; status derives from them. */
function templateHistory(jobs: readonly SimJob[]) {
  const lastJob = jobs.find((job) => job.finished !== null);
  const currentJob = jobs.find((job) => isActiveStatus(job.status));
  let status: string;
  if (currentJob) status = currentJob.status;
  else if (!lastJob) status = 'never updated';
  else status = lastJob.status === 'successful' ? 'successful' : 'failed';
  return { lastJob, status };
}

function recentJobs(jobs: readonly SimJob[]) {
  return jobs.slice(0, 10).map((job) => ({
    id: job.id,
    status: job.status,
    finished: awxDateTimeOrNull(job.finished),
    canceled_on: awxDateTimeOrNull(job.canceledOn),
    type: job.kind === 'job' ? 'job' : 'workflow_job',
  }));
}

function lastJobSummary(t: Template, job: SimJob) {
  return {
    id: job.id,
    name: t.name,
    description: t.description,
    finished: awxDateTimeOrNull(job.finished),
    status: job.status,
    failed: isFailedStatus(job.status),
  };
}

/** `jobs`: this template's jobs, newest first. */
export function serializeJobTemplate(t: Template, jobs: readonly SimJob[], ctx: SerializeContext) {
  const base = `${ctx.prefix}job_templates/${t.id}/`;
  const { lastJob, status } = templateHistory(jobs);
  return {
    id: t.id,
    type: 'job_template',
    url: base,
    related: {
      created_by: `${ctx.prefix}users/${USER.id}/`,
      modified_by: `${ctx.prefix}users/${USER.id}/`,
      labels: `${base}labels/`,
      inventory: `${ctx.prefix}inventories/${INVENTORY.id}/`,
      project: `${ctx.prefix}projects/${PROJECT.id}/`,
      organization: `${ctx.prefix}organizations/${t.organization.id}/`,
      credentials: `${base}credentials/`,
      ...(lastJob ? { last_job: `${ctx.prefix}jobs/${lastJob.id}/` } : {}),
      jobs: `${base}jobs/`,
      schedules: `${base}schedules/`,
      activity_stream: `${base}activity_stream/`,
      launch: `${base}launch/`,
      webhook_key: `${base}webhook_key/`,
      webhook_receiver: '',
      notification_templates_started: `${base}notification_templates_started/`,
      notification_templates_success: `${base}notification_templates_success/`,
      notification_templates_error: `${base}notification_templates_error/`,
      access_list: `${base}access_list/`,
      survey_spec: `${base}survey_spec/`,
      object_roles: `${base}object_roles/`,
      instance_groups: `${base}instance_groups/`,
      slice_workflow_jobs: `${base}slice_workflow_jobs/`,
      copy: `${base}copy/`,
    },
    summary_fields: {
      organization: organizationSummary(t),
      inventory: INVENTORY,
      project: PROJECT,
      ...(lastJob ? { last_job: lastJobSummary(t, lastJob) } : {}),
      created_by: USER,
      modified_by: USER,
      object_roles: {
        admin_role: { description: 'Can manage all aspects of the job template', name: 'Admin', id: t.id * 10 },
        execute_role: { description: 'May run the job template', name: 'Execute', id: t.id * 10 + 1 },
        read_role: { description: 'May view settings for the job template', name: 'Read', id: t.id * 10 + 2 },
      },
      user_capabilities: userCapabilities,
      labels: noLabels,
      recent_jobs: recentJobs(jobs),
      credentials: [],
    },
    created: awxDateTime(t.created),
    modified: awxDateTime(t.created),
    name: t.name,
    description: t.description,
    job_type: 'run',
    inventory: INVENTORY.id,
    project: PROJECT.id,
    playbook: t.playbook,
    scm_branch: '',
    forks: 0,
    limit: '',
    verbosity: 0,
    extra_vars: t.extraVars,
    job_tags: '',
    force_handlers: false,
    skip_tags: '',
    start_at_task: '',
    timeout: 0,
    use_fact_cache: false,
    organization: t.organization.id,
    last_job_run: awxDateTimeOrNull(lastJob?.finished ?? null),
    last_job_failed: lastJob ? isFailedStatus(lastJob.status) : false,
    next_job_run: null,
    status,
    execution_environment: null,
    host_config_key: '',
    ask_scm_branch_on_launch: false,
    ask_diff_mode_on_launch: false,
    ask_variables_on_launch: t.askVariablesOnLaunch,
    ask_limit_on_launch: false,
    ask_tags_on_launch: false,
    ask_skip_tags_on_launch: false,
    ask_job_type_on_launch: false,
    ask_verbosity_on_launch: false,
    ask_inventory_on_launch: false,
    ask_credential_on_launch: t.askCredentialOnLaunch,
    ask_execution_environment_on_launch: false,
    ask_labels_on_launch: false,
    ask_forks_on_launch: false,
    ask_job_slice_count_on_launch: false,
    ask_timeout_on_launch: false,
    ask_instance_groups_on_launch: false,
    survey_enabled: false,
    become_enabled: false,
    diff_mode: false,
    allow_simultaneous: t.allowSimultaneous,
    custom_virtualenv: null,
    job_slice_count: 1,
    webhook_service: '',
    webhook_credential: null,
    prevent_instance_group_fallback: false,
  };
}

export function serializeWorkflowJobTemplate(t: Template, jobs: readonly SimJob[], ctx: SerializeContext) {
  const base = `${ctx.prefix}workflow_job_templates/${t.id}/`;
  const { lastJob, status } = templateHistory(jobs);
  return {
    id: t.id,
    type: 'workflow_job_template',
    url: base,
    related: {
      created_by: `${ctx.prefix}users/${USER.id}/`,
      modified_by: `${ctx.prefix}users/${USER.id}/`,
      ...(lastJob ? { last_job: `${ctx.prefix}workflow_jobs/${lastJob.id}/` } : {}),
      workflow_jobs: `${base}workflow_jobs/`,
      schedules: `${base}schedules/`,
      launch: `${base}launch/`,
      webhook_key: `${base}webhook_key/`,
      webhook_receiver: '',
      workflow_nodes: `${base}workflow_nodes/`,
      labels: `${base}labels/`,
      activity_stream: `${base}activity_stream/`,
      notification_templates_started: `${base}notification_templates_started/`,
      notification_templates_success: `${base}notification_templates_success/`,
      notification_templates_error: `${base}notification_templates_error/`,
      notification_templates_approvals: `${base}notification_templates_approvals/`,
      access_list: `${base}access_list/`,
      object_roles: `${base}object_roles/`,
      survey_spec: `${base}survey_spec/`,
      copy: `${base}copy/`,
      organization: `${ctx.prefix}organizations/${t.organization.id}/`,
    },
    summary_fields: {
      organization: organizationSummary(t),
      ...(lastJob ? { last_job: lastJobSummary(t, lastJob) } : {}),
      created_by: USER,
      modified_by: USER,
      object_roles: {
        admin_role: {
          description: 'Can manage all aspects of the workflow job template',
          name: 'Admin',
          id: t.id * 10,
        },
        execute_role: { description: 'May run the workflow job template', name: 'Execute', id: t.id * 10 + 1 },
        read_role: { description: 'May view settings for the workflow job template', name: 'Read', id: t.id * 10 + 2 },
        approval_role: {
          description: 'Can approve or deny a workflow approval node',
          name: 'Approve',
          id: t.id * 10 + 3,
        },
      },
      user_capabilities: userCapabilities,
      labels: noLabels,
      recent_jobs: recentJobs(jobs),
    },
    created: awxDateTime(t.created),
    modified: awxDateTime(t.created),
    name: t.name,
    description: t.description,
    last_job_run: awxDateTimeOrNull(lastJob?.finished ?? null),
    last_job_failed: lastJob ? isFailedStatus(lastJob.status) : false,
    next_job_run: null,
    status,
    extra_vars: t.extraVars,
    organization: t.organization.id,
    survey_enabled: false,
    allow_simultaneous: t.allowSimultaneous,
    ask_variables_on_launch: t.askVariablesOnLaunch,
    inventory: null,
    limit: null,
    scm_branch: null,
    ask_inventory_on_launch: false,
    ask_scm_branch_on_launch: false,
    ask_limit_on_launch: false,
    webhook_service: '',
    webhook_credential: null,
    ask_labels_on_launch: false,
    ask_skip_tags_on_launch: false,
    ask_tags_on_launch: false,
    skip_tags: null,
    job_tags: null,
  };
}

/** `GET job_templates/{id}/launch/` (JobLaunchSerializer read fields). */
export function jobTemplateLaunchInfo(t: Template) {
  return {
    can_start_without_user_input: !t.askVariablesOnLaunch,
    passwords_needed_to_start: [],
    ask_scm_branch_on_launch: false,
    ask_variables_on_launch: t.askVariablesOnLaunch,
    ask_tags_on_launch: false,
    ask_diff_mode_on_launch: false,
    ask_skip_tags_on_launch: false,
    ask_job_type_on_launch: false,
    ask_limit_on_launch: false,
    ask_verbosity_on_launch: false,
    ask_inventory_on_launch: false,
    ask_credential_on_launch: t.askCredentialOnLaunch,
    ask_execution_environment_on_launch: false,
    ask_labels_on_launch: false,
    ask_forks_on_launch: false,
    ask_job_slice_count_on_launch: false,
    ask_timeout_on_launch: false,
    ask_instance_groups_on_launch: false,
    survey_enabled: false,
    variables_needed_to_start: [],
    credential_needed_to_start: false,
    inventory_needed_to_start: false,
    job_template_data: { name: t.name, id: t.id, description: t.description },
    defaults: {
      extra_vars: t.extraVars,
      diff_mode: false,
      limit: '',
      job_tags: '',
      skip_tags: '',
      job_type: 'run',
      verbosity: 0,
      inventory: { name: INVENTORY.name, id: INVENTORY.id },
      scm_branch: '',
      credentials: [],
      execution_environment: {},
      forks: 0,
      job_slice_count: 1,
      timeout: 0,
      instance_groups: [],
    },
  };
}

/** `GET workflow_job_templates/{id}/launch/` (WorkflowJobLaunchSerializer read fields). */
export function workflowTemplateLaunchInfo(t: Template) {
  return {
    ask_inventory_on_launch: false,
    ask_limit_on_launch: false,
    ask_scm_branch_on_launch: false,
    can_start_without_user_input: !t.askVariablesOnLaunch,
    defaults: {
      extra_vars: t.extraVars,
      inventory: { name: null, id: null },
      limit: null,
      scm_branch: null,
      labels: [],
      job_tags: null,
      skip_tags: null,
    },
    survey_enabled: false,
    variables_needed_to_start: [],
    node_templates_missing: [],
    node_prompts_rejected: [],
    workflow_job_template_data: { name: t.name, id: t.id, description: t.description },
    ask_variables_on_launch: t.askVariablesOnLaunch,
    ask_labels_on_launch: false,
    ask_skip_tags_on_launch: false,
    ask_tags_on_launch: false,
  };
}

function elapsedOf(job: SimJob, now: number): number {
  return job.finished === null
    ? elapsedSeconds(job.started, now, true)
    : elapsedSeconds(job.started, job.finished, false);
}

const launchedBy = (prefix: string) => ({
  id: USER.id,
  name: USER.username,
  type: 'user',
  url: `${prefix}users/${USER.id}/`,
});

export function serializeJob(job: SimJob, view: JobSerializerView, ctx: SerializeContext) {
  const t = job.template;
  const base = `${ctx.prefix}jobs/${job.id}/`;
  const ran = job.started !== null;
  return {
    id: job.id,
    type: 'job',
    url: base,
    related: {
      created_by: `${ctx.prefix}users/${USER.id}/`,
      modified_by: `${ctx.prefix}users/${USER.id}/`,
      labels: `${base}labels/`,
      inventory: `${ctx.prefix}inventories/${INVENTORY.id}/`,
      project: `${ctx.prefix}projects/${PROJECT.id}/`,
      organization: `${ctx.prefix}organizations/${t.organization.id}/`,
      credentials: `${base}credentials/`,
      unified_job_template: `${ctx.prefix}job_templates/${t.id}/`,
      stdout: `${base}stdout/`,
      ...(ran ? { execution_environment: `${ctx.prefix}execution_environments/${EXECUTION_ENVIRONMENT.id}/` } : {}),
      job_events: `${base}job_events/`,
      job_host_summaries: `${base}job_host_summaries/`,
      activity_stream: `${base}activity_stream/`,
      notifications: `${base}notifications/`,
      create_schedule: `${base}create_schedule/`,
      job_template: `${ctx.prefix}job_templates/${t.id}/`,
      cancel: `${base}cancel/`,
      relaunch: `${base}relaunch/`,
    },
    summary_fields: {
      organization: organizationSummary(t),
      inventory: INVENTORY,
      ...(ran ? { execution_environment: EXECUTION_ENVIRONMENT } : {}),
      project: PROJECT,
      job_template: { id: t.id, name: t.name, description: t.description },
      unified_job_template: { id: t.id, name: t.name, description: t.description, unified_job_type: 'job' },
      ...(ran ? { instance_group: INSTANCE_GROUP } : {}),
      created_by: USER,
      modified_by: USER,
      user_capabilities: { delete: !isActiveStatus(job.status), start: true },
      labels: noLabels,
      // AWX lists the job's credentials here; the simulator has no credential objects, only the ids it was given.
      credentials: job.credentials.map((id) => ({
        id,
        name: `credential-${id}`,
        description: '',
        kind: 'kubernetes_bearer_token',
        cloud: false,
      })),
    },
    created: awxDateTime(job.created),
    modified: awxDateTime(job.modified),
    name: t.name,
    description: t.description,
    job_type: 'run',
    inventory: INVENTORY.id,
    project: PROJECT.id,
    playbook: t.playbook,
    scm_branch: '',
    forks: 0,
    limit: '',
    verbosity: 0,
    extra_vars: job.extraVars,
    job_tags: '',
    force_handlers: false,
    skip_tags: '',
    start_at_task: '',
    timeout: 0,
    use_fact_cache: false,
    organization: t.organization.id,
    unified_job_template: t.id,
    launch_type: 'manual',
    status: job.status,
    execution_environment: ran ? EXECUTION_ENVIRONMENT.id : null,
    failed: isFailedStatus(job.status),
    started: awxDateTimeOrNull(job.started),
    finished: awxDateTimeOrNull(job.finished),
    canceled_on: awxDateTimeOrNull(job.canceledOn),
    elapsed: elapsedOf(job, ctx.now),
    ...(view === 'list'
      ? {}
      : {
          job_args: ran
            ? pythonJsonDumps([
                'ansible-playbook',
                '-i',
                '/runner/inventory',
                '-e',
                '@/runner/env/extravars',
                t.playbook,
              ])
            : '',
          job_cwd: ran ? '/runner/project' : '',
          job_env: ran
            ? { JOB_ID: String(job.id), INVENTORY_ID: String(INVENTORY.id), ANSIBLE_STDOUT_CALLBACK: 'awx_display' }
            : {},
        }),
    job_explanation: job.jobExplanation,
    execution_node: ran ? EXECUTION_NODE : '',
    controller_node: ran ? CONTROLLER_NODE : '',
    ...(view === 'list'
      ? {}
      : { result_traceback: job.resultTraceback, event_processing_finished: job.eventProcessingFinished }),
    launched_by: launchedBy(ctx.prefix),
    work_unit_id: ran ? `sim${job.id.toString(36)}` : null,
    job_template: t.id,
    passwords_needed_to_start: [],
    allow_simultaneous: t.allowSimultaneous,
    artifacts: {},
    scm_revision: ran ? SCM_REVISION : '',
    instance_group: ran ? INSTANCE_GROUP.id : null,
    diff_mode: false,
    job_slice_number: 0,
    job_slice_count: 1,
    webhook_service: '',
    webhook_credential: null,
    webhook_guid: '',
    ...(view === 'detail'
      ? { host_status_counts: job.hostStatusCounts, playbook_counts: job.playbookCounts, custom_virtualenv: null }
      : {}),
  };
}

export function serializeWorkflowJob(job: SimJob, view: JobSerializerView, ctx: SerializeContext) {
  const t = job.template;
  const base = `${ctx.prefix}workflow_jobs/${job.id}/`;
  return {
    id: job.id,
    type: 'workflow_job',
    url: base,
    related: {
      created_by: `${ctx.prefix}users/${USER.id}/`,
      modified_by: `${ctx.prefix}users/${USER.id}/`,
      unified_job_template: `${ctx.prefix}workflow_job_templates/${t.id}/`,
      workflow_job_template: `${ctx.prefix}workflow_job_templates/${t.id}/`,
      notifications: `${base}notifications/`,
      workflow_nodes: `${base}workflow_nodes/`,
      labels: `${base}labels/`,
      activity_stream: `${base}activity_stream/`,
      relaunch: `${base}relaunch/`,
      cancel: `${base}cancel/`,
    },
    summary_fields: {
      organization: organizationSummary(t),
      workflow_job_template: { id: t.id, name: t.name, description: t.description },
      unified_job_template: { id: t.id, name: t.name, description: t.description, unified_job_type: 'workflow_job' },
      created_by: USER,
      modified_by: USER,
      user_capabilities: { delete: !isActiveStatus(job.status), start: true },
      labels: noLabels,
    },
    created: awxDateTime(job.created),
    modified: awxDateTime(job.modified),
    name: t.name,
    description: t.description,
    unified_job_template: t.id,
    launch_type: 'manual',
    status: job.status,
    failed: isFailedStatus(job.status),
    started: awxDateTimeOrNull(job.started),
    finished: awxDateTimeOrNull(job.finished),
    canceled_on: awxDateTimeOrNull(job.canceledOn),
    elapsed: elapsedOf(job, ctx.now),
    ...(view === 'list' ? {} : { job_args: '', job_cwd: '', job_env: {} }),
    job_explanation: job.jobExplanation,
    ...(view === 'list' ? {} : { result_traceback: job.resultTraceback }),
    launched_by: launchedBy(ctx.prefix),
    work_unit_id: null,
    workflow_job_template: t.id,
    extra_vars: job.extraVars,
    allow_simultaneous: t.allowSimultaneous,
    job_template: null,
    is_sliced_job: false,
    inventory: null,
    limit: null,
    scm_branch: null,
    webhook_service: '',
    webhook_credential: null,
    webhook_guid: '',
    skip_tags: null,
    job_tags: null,
  };
}

/** `OrganizationSerializer`, the fields a client reads (the simulator's organizations have no other settings). */
export function serializeOrganization(o: Organization, ctx: SerializeContext) {
  const base = `${ctx.prefix}organizations/${o.id}/`;
  return {
    id: o.id,
    type: 'organization',
    url: base,
    related: {
      job_templates: `${base}job_templates/`,
      workflow_job_templates: `${base}workflow_job_templates/`,
      notification_templates: `${base}notification_templates/`,
      notification_templates_started: `${base}notification_templates_started/`,
      notification_templates_success: `${base}notification_templates_success/`,
      notification_templates_error: `${base}notification_templates_error/`,
      notification_templates_approvals: `${base}notification_templates_approvals/`,
    },
    summary_fields: { user_capabilities: { edit: true, delete: true } },
    created: awxDateTime(0),
    modified: awxDateTime(0),
    name: o.name,
    description: '',
    max_hosts: 0,
    custom_virtualenv: null,
    default_environment: null,
  };
}
