import { createHash } from 'node:crypto';
import * as z from 'zod';
import { instantMs } from '../computeinstance/time';

/**
 * What every execution is about: one ComputeInstance on one cluster. Executions carry this reference, never the
 * object itself (256 KiB payload limit, and the object must be read fresh anyway).
 */
export const InstanceRef = z.object({
  cluster: z.string().min(1).max(63),
  namespace: z.string().min(1).max(63),
  name: z.string().min(1).max(253),
  uid: z.string().min(1).max(64),
});
export type InstanceRef = z.infer<typeof InstanceRef>;

export type WorkflowKind = 'provision' | 'deprovision';

/** Step Functions' limit on execution names. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/**
 * Execution names are deterministic so that a webhook, a retried webhook and the reconciler that race to start the
 * same work start ONE execution (the second gets ExecutionAlreadyExists). Readable first — `provision-<ns>-<name>` is
 * what a person scans for in the console — then a hash of the cluster and the uid, because the readable part may be
 * truncated and a deleted-and-recreated object with the same name is different work.
 *
 *   provision-<ns>-<name>-<hash>-g<generation>[-r<retry>][-c<continuation>]
 *   deprovision-<ns>-<name>-<hash>-d<deletionTimestamp, unix seconds>[-r<retry>][-c<continuation>]
 *
 * `generation` (bumped by the API server on every spec change, so also for A→B→A reverts and restart requests)
 * separates provision runs of different specs; the deletion instant (set once by the API server when the delete is
 * accepted) names the one deletion a deprovision run serves, so a stray delete for a live instance cannot take the
 * name the real deletion needs; `retry` starts the same work again after an execution failed; `continuation`
 * numbers the executions one long wait is spread across.
 */
export interface ExecutionNameParts {
  kind: WorkflowKind;
  ref: InstanceRef;
  generation?: number;
  /** Deprovision only: the instance's `metadata.deletionTimestamp` (RFC 3339). */
  deletionTimestamp?: string;
  retry?: number;
  continuation?: number;
}

/** Digits each numbered suffix may take; the readable part is trimmed so the longest suffix always fits. */
export const MAX_GENERATION = 9_999_999_999;
/** At one retry an hour (the reconciler's longest backoff) this lasts more than a century. */
export const MAX_RETRY = 999_999;
export const MAX_CONTINUATION = 999_999;

function checkedNumber(value: number, max: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be a whole number from 0 to ${max}, got ${value}`);
  }
  return value;
}

/**
 * The deletion instant as unix seconds: Kubernetes stamps deletionTimestamp with second precision. Read as the API
 * server reads date-times (lib/computeinstance/time), like every other instant the product compares.
 */
export function deletionSeconds(deletionTimestamp: string): number {
  const ms = instantMs(deletionTimestamp, 'deletionTimestamp');
  return checkedNumber(Math.floor(ms / 1000), MAX_GENERATION, 'the deletion instant in unix seconds');
}

// Characters Step Functions refuses in names, plus anything else outside a conservative readable set.
const UNSAFE = /[^A-Za-z0-9._-]+/g;

function instanceHash(ref: InstanceRef): string {
  return createHash('sha256')
    .update(`${ref.cluster}\0${ref.namespace}\0${ref.name}\0${ref.uid}`)
    .digest('hex')
    .slice(0, 8);
}

function suffixOf(parts: ExecutionNameParts): string {
  let suffix = '';
  if (parts.kind === 'provision') {
    if (parts.generation === undefined)
      throw new Error('a provision execution name needs the generation it provisions');
    suffix += `-g${checkedNumber(parts.generation, MAX_GENERATION, 'generation')}`;
  } else {
    if (parts.deletionTimestamp === undefined)
      throw new Error('a deprovision execution name needs the deletionTimestamp of the deletion it serves');
    suffix += `-d${deletionSeconds(parts.deletionTimestamp)}`;
  }
  if (parts.retry) suffix += `-r${checkedNumber(parts.retry, MAX_RETRY, 'retry')}`;
  if (parts.continuation) suffix += `-c${checkedNumber(parts.continuation, MAX_CONTINUATION, 'continuation')}`;
  return suffix;
}

/** The part every execution of one instance and one kind shares; used to find them again (e.g. to stop them). */
export function executionNamePrefix(kind: WorkflowKind, ref: InstanceRef): string {
  const hash = instanceHash(ref);
  // Longest suffix we ever append: -g<10 digits> (or -d<10>) -r<6> -c<6> → keep room for it.
  const reserved = 1 + hash.length + 28;
  const readable = `${kind}-${ref.namespace}-${ref.name}`.replace(UNSAFE, '-');
  const room = MAX_EXECUTION_NAME_LENGTH - reserved;
  const trimmed = readable.length > room ? readable.slice(0, room).replace(/[-.]+$/, '') : readable;
  return `${trimmed}-${hash}`;
}

export function executionName(parts: ExecutionNameParts): string {
  const name = `${executionNamePrefix(parts.kind, parts.ref)}${suffixOf(parts)}`;
  if (name.length > MAX_EXECUTION_NAME_LENGTH) {
    throw new Error(`execution name ${name} is longer than ${MAX_EXECUTION_NAME_LENGTH} characters`);
  }
  return name;
}

/** The next name in the chain when a long-running execution hands over to a fresh one (continue-as-new). */
export function continuationName(current: string): string {
  const match = /-c(\d+)$/.exec(current);
  const next = match?.[1] ? Number(match[1]) + 1 : 1;
  checkedNumber(next, MAX_CONTINUATION, 'continuation');
  return match ? `${current.slice(0, match.index)}-c${next}` : `${current}-c1`;
}
