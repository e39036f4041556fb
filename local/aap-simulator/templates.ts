import { type ExtraVars, parseExtraVars } from './extra-vars';
import { type PlaybookGeneration, TemplateSpec, type TemplateSpecInput } from './schemas';

export interface Template extends TemplateSpec {
  /** The playbooks this template runs (its own setting, else the simulator's). */
  playbooks: PlaybookGeneration;
  id: number;
  created: number;
  playbook: string;
  /** The template's own variables, parsed once: the base every launch merges onto. */
  defaultVars: ExtraVars;
}

/** The two job templates the OSAC operator launches (both prompt for variables and allow simultaneous runs). */
export const DEFAULT_TEMPLATE_SPECS: readonly TemplateSpecInput[] = [
  {
    name: 'osac-create-compute-instance',
    description: 'Create or update a ComputeInstance virtual machine',
    effect: 'create-vm',
  },
  {
    name: 'osac-delete-compute-instance',
    description: 'Delete a ComputeInstance virtual machine and its resources',
    effect: 'delete-vm',
  },
];

/** `input` is validated here, so specs from the admin endpoint (untyped JSON) take the same path. */
export function buildTemplate(
  input: unknown,
  id: number,
  created: number,
  defaultPlaybooks: PlaybookGeneration,
): Template {
  const parsed = TemplateSpec.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid AAP simulator template spec: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  const spec = parsed.data;
  const defaults = parseExtraVars(spec.extraVars);
  if (!defaults.ok)
    throw new Error(`template ${spec.name}: extraVars is not a JSON or YAML mapping (${defaults.message})`);
  return {
    ...spec,
    playbooks: spec.playbooks ?? defaultPlaybooks,
    id,
    created,
    playbook: spec.kind === 'job' ? `playbook_${spec.name.replace(/-/g, '_')}.yml` : '',
    defaultVars: defaults.vars,
  };
}

export function describeIssue(issue: { path: PropertyKey[]; message: string }): string {
  return issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message;
}
