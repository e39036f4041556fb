/**
 * AWX-faithful AAP controller simulator: a real HTTP server with a simulated world behind it
 * (jobs on timers, VMs made and removed by compute-instance jobs, ordering violations, injectable faults).
 */
export type { RequestLogEntry } from './admin';
export { AWX_VERSION } from './api';
export { RUNNING_SECONDS_ANNOTATION } from './extra-vars';
export type { NotificationRecord } from './notification-templates';
export type { NotificationDeliveryCounts } from './notifier';
export type {
  Faults,
  FaultsInput,
  JobOutcome,
  NotFoundStyle,
  Organization,
  PlaybookGeneration,
  PlaybookSettingsInput,
  SimulatorOptionsInput,
  TemplateEffect,
  TemplateKind,
  TemplateSpecInput as TemplateSpec,
} from './schemas';
export { DEFAULT_PLAYBOOK_GENERATION } from './schemas';
export {
  type AapSimulator,
  type PlaybookInfo,
  type SimulatorWorld,
  startAapSimulator,
  type TemplateInfo,
} from './simulator';
export { DEFAULT_TEMPLATE_SPECS } from './templates';
export type { Violation, ViolationKind, VmRecord } from './violations';
export type { AwxJobStatus, JobView } from './world';
