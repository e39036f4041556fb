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

/**
 * Set by the reconciler on an object our schema refuses although the API server accepted it (a newer CRD, a
 * product bug): nothing can be done for it until it is fixed, and this says so on the object itself. Not among
 * OWNED_CONDITION_TYPES: it is absent on every object we can read.
 */
export const UNPROCESSABLE_CONDITION = 'Unprocessable';
export const UNPROCESSABLE_REASON = 'SchemaRejected';

/**
 * The object's raw `status.conditions` (it may not parse, which is the point) with Unprocessable set to True
 * naming `problem`, or, for `problem` undefined, back to False once the object is readable again. Other entries
 * are kept as they are. Undefined when nothing would change, so a run over a still-broken object writes nothing.
 */
export function unprocessableConditions(
  current: unknown,
  problem: string | undefined,
  now: Date,
): Array<Record<string, unknown>> | undefined {
  const list = (Array.isArray(current) ? current : []) as Array<Record<string, unknown>>;
  const index = list.findIndex((condition) => condition?.type === UNPROCESSABLE_CONDITION);
  const existing = list[index];
  let next: Record<string, unknown>;
  if (problem === undefined) {
    if (existing?.status !== 'True') return undefined;
    next = { type: UNPROCESSABLE_CONDITION, status: 'False', reason: 'Readable', message: '' };
  } else {
    next = {
      type: UNPROCESSABLE_CONDITION,
      status: 'True',
      reason: UNPROCESSABLE_REASON,
      message: boundText(
        `cloudkit-provisioner cannot read this object, so nothing is done for it until it is fixed: ${problem}`,
        MAX_CONDITION_MESSAGE_LENGTH,
      ),
    };
    if (existing?.status === 'True' && existing.reason === next.reason && existing.message === next.message) {
      return undefined;
    }
  }
  next.lastTransitionTime =
    existing?.status === next.status && typeof existing?.lastTransitionTime === 'string'
      ? existing.lastTransitionTime
      : formatMetaTime(now);
  if (existing === undefined) return [...list, next];
  const updated = [...list];
  updated[index] = next;
  return updated;
}
