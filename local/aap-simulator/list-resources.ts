import type { FieldDef, ListResource } from './list-query';
import type { NotificationRecord, NotificationTemplate } from './notification-templates';
import type { Organization } from './schemas';
import type { Template } from './templates';
import { awxDateTime, awxDateTimeOrNull, elapsedSeconds } from './wire-format';
import { isFailedStatus, type SimJob } from './world';

/** The filterable fields of each list endpoint (a subset of the AWX model fields, enough for orchestration). */
const templateFields: Record<string, FieldDef<Template>> = {
  id: { kind: 'int', get: (t) => t.id },
  name: { kind: 'string', get: (t) => t.name },
  description: { kind: 'string', get: (t) => t.description },
  organization: { kind: 'int', get: (t) => t.organization.id },
  organization__id: { kind: 'int', get: (t) => t.organization.id },
  organization__name: { kind: 'string', get: (t) => t.organization.name },
  ask_variables_on_launch: { kind: 'bool', get: (t) => t.askVariablesOnLaunch },
  allow_simultaneous: { kind: 'bool', get: (t) => t.allowSimultaneous },
  created: { kind: 'datetime', get: (t) => awxDateTime(t.created) },
  modified: { kind: 'datetime', get: (t) => awxDateTime(t.created) },
};

export const JOB_TEMPLATE_RESOURCE: ListResource<Template> = {
  model: 'JobTemplate',
  fields: { ...templateFields, playbook: { kind: 'string', get: (t) => t.playbook } },
  searchFields: ['name', 'description'],
  preventSearch: ['extra_vars', 'survey_spec'],
  defaultOrder: ['name'],
  id: (t) => t.id,
};

export const WORKFLOW_JOB_TEMPLATE_RESOURCE: ListResource<Template> = {
  model: 'WorkflowJobTemplate',
  fields: templateFields,
  searchFields: ['name', 'description'],
  preventSearch: ['extra_vars', 'survey_spec'],
  defaultOrder: ['name'],
  id: (t) => t.id,
};

const unifiedJobFields: Record<string, FieldDef<SimJob>> = {
  id: { kind: 'int', get: (j) => j.id },
  name: { kind: 'string', get: (j) => j.template.name },
  description: { kind: 'string', get: (j) => j.template.description },
  status: { kind: 'string', get: (j) => j.status },
  failed: { kind: 'bool', get: (j) => isFailedStatus(j.status) },
  launch_type: { kind: 'string', get: () => 'manual' },
  unified_job_template: { kind: 'int', get: (j) => j.template.id },
  organization: { kind: 'int', get: (j) => j.template.organization.id },
  created: { kind: 'datetime', get: (j) => awxDateTime(j.created) },
  modified: { kind: 'datetime', get: (j) => awxDateTimeOrNull(j.modified) },
  started: { kind: 'datetime', get: (j) => awxDateTimeOrNull(j.started) },
  finished: { kind: 'datetime', get: (j) => awxDateTimeOrNull(j.finished) },
  canceled_on: { kind: 'datetime', get: (j) => awxDateTimeOrNull(j.canceledOn) },
  // The stored value: AWX writes elapsed once the job finishes and computes the running figure only for display.
  elapsed: {
    kind: 'float',
    get: (j) => (j.finished === null ? 0 : elapsedSeconds(j.started, j.finished, false)),
  },
  created_by: { kind: 'int', get: () => 1 },
  launched_by: { kind: 'int', get: () => 1 },
};

const unifiedJobPreventSearch = ['extra_vars', 'job_env', 'job_args', 'start_args', 'survey_passwords'];

export const JOB_RESOURCE: ListResource<SimJob> = {
  model: 'Job',
  fields: {
    ...unifiedJobFields,
    job_template: { kind: 'int', get: (j) => j.template.id },
    job_template__name: { kind: 'string', get: (j) => j.template.name },
  },
  searchFields: ['name', 'description'],
  preventSearch: unifiedJobPreventSearch,
  defaultOrder: ['id'],
  id: (j) => j.id,
};

export const WORKFLOW_JOB_RESOURCE: ListResource<SimJob> = {
  model: 'WorkflowJob',
  fields: {
    ...unifiedJobFields,
    workflow_job_template: { kind: 'int', get: (j) => j.template.id },
    workflow_job_template__name: { kind: 'string', get: (j) => j.template.name },
    // Set only on the workflow job of a sliced job template, which the simulator does not have.
    job_template: { kind: 'int', get: () => null },
  },
  searchFields: ['name', 'description'],
  preventSearch: unifiedJobPreventSearch,
  defaultOrder: ['id'],
  id: (j) => j.id,
};

export const ORGANIZATION_RESOURCE: ListResource<Organization> = {
  model: 'Organization',
  fields: { id: { kind: 'int', get: (o) => o.id }, name: { kind: 'string', get: (o) => o.name } },
  searchFields: ['name'],
  preventSearch: [],
  defaultOrder: ['name'],
  id: (o) => o.id,
};

export const NOTIFICATION_TEMPLATE_RESOURCE: ListResource<NotificationTemplate> = {
  model: 'NotificationTemplate',
  fields: {
    id: { kind: 'int', get: (t) => t.id },
    name: { kind: 'string', get: (t) => t.name },
    description: { kind: 'string', get: (t) => t.description },
    organization: { kind: 'int', get: (t) => t.organization.id },
    organization__id: { kind: 'int', get: (t) => t.organization.id },
    organization__name: { kind: 'string', get: (t) => t.organization.name },
    notification_type: { kind: 'string', get: (t) => t.notificationType },
    created: { kind: 'datetime', get: (t) => awxDateTime(t.created) },
    modified: { kind: 'datetime', get: (t) => awxDateTime(t.modified) },
  },
  searchFields: ['name', 'description'],
  preventSearch: ['notification_configuration'],
  defaultOrder: ['name'],
  id: (t) => t.id,
};

export const NOTIFICATION_RESOURCE: ListResource<NotificationRecord> = {
  model: 'Notification',
  fields: {
    id: { kind: 'int', get: (n) => n.id },
    status: { kind: 'string', get: (n) => n.status },
    notification_type: { kind: 'string', get: () => 'webhook' },
    notification_template: { kind: 'int', get: (n) => n.template.id },
    created: { kind: 'datetime', get: (n) => awxDateTime(n.created) },
    modified: { kind: 'datetime', get: (n) => awxDateTime(n.modified) },
  },
  searchFields: [],
  preventSearch: [],
  defaultOrder: ['id'],
  id: (n) => n.id,
};
