import { CONDITION_TYPE_PATTERN, type Condition, type ConditionStatus, MAX_CONDITION_MESSAGE_LENGTH } from './schema';
import { boundText } from './text';
import { formatMetaTime } from './time';

/**
 * `status.conditions` we write. `Ready` is not among them: it belongs to whoever observes the VM.
 */
export const ConditionType = {
  ConfigurationApplied: 'ConfigurationApplied',
  Provisioned: 'Provisioned',
  RestartInProgress: 'RestartInProgress',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];
export const OWNED_CONDITION_TYPES: readonly ConditionType[] = Object.values(ConditionType);

/** Stricter than the CRD (which also allows `_,:`): our reasons are plain CamelCase identifiers. */
export const REASON_PATTERN = /^[A-Z][A-Za-z0-9]*$/;

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/**
 * Sets one condition, keeping the others and their order. `lastTransitionTime` moves only when `status` changes,
 * so it keeps saying since when the condition has held. Returns the input array itself when nothing changed.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
  observedGeneration?: number,
): readonly Condition[] {
  if (!CONDITION_TYPE_PATTERN.test(update.type) || update.type.length > 316) {
    throw new Error(`condition type ${JSON.stringify(update.type)} is not a valid metav1.Condition type`);
  }
  if (!REASON_PATTERN.test(update.reason)) {
    throw new Error(`condition ${update.type}: reason ${JSON.stringify(update.reason)} is not CamelCase`);
  }
  const list = conditions ?? [];
  const index = list.findIndex((condition) => condition.type === update.type);
  const current = list[index];
  const next: Condition = {
    ...current,
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: boundText(update.message, MAX_CONDITION_MESSAGE_LENGTH),
    lastTransitionTime:
      current !== undefined && current.status === update.status ? current.lastTransitionTime : formatMetaTime(now),
  };
  if (observedGeneration !== undefined) next.observedGeneration = observedGeneration;
  if (
    current !== undefined &&
    current.status === next.status &&
    current.reason === next.reason &&
    current.message === next.message &&
    current.observedGeneration === next.observedGeneration
  ) {
    return list;
  }
  if (current === undefined) return [...list, next];
  const updated = [...list];
  updated[index] = next;
  return updated;
}

/**
 * Adds each condition we own that is missing as False with reason `Initialized`, as the operator did on its first
 * reconcile, so clients can wait on them from the start. Existing ones are left untouched.
 */
export function initialConditions(
  conditions: readonly Condition[] | undefined,
  now: Date,
  observedGeneration?: number,
): readonly Condition[] {
  let list = conditions ?? [];
  for (const type of OWNED_CONDITION_TYPES) {
    if (findCondition(list, type) === undefined) {
      list = setCondition(list, { type, status: 'False', reason: 'Initialized', message: '' }, now, observedGeneration);
    }
  }
  return list;
}
