import * as z from 'zod';
import { type WebhookEvent, WebhookEventType } from '../../lib/wire/webhook-contract';

/**
 * What the forwarder reads from the API server and what it hands on: ComputeInstances as the watch delivers them.
 * Objects stay loose (every field is forwarded as it came); only the metadata the forwarder itself relies on is
 * checked.
 */

export const WatchedObjectMeta = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  uid: z.string().min(1),
  resourceVersion: z.string().min(1),
});

export const WatchedObject = z.looseObject({ metadata: WatchedObjectMeta });
export type WatchedObject = z.infer<typeof WatchedObject>;

/** The changes the receiver hears about (the wire contract's); BOOKMARK and ERROR stay with the forwarder. */
export const ChangeType = WebhookEventType;
export type ChangeType = WebhookEventType;

/** One change to one object, exactly the body POSTed to the events route. */
export type ChangeEvent = WebhookEvent<WatchedObject>;

/** One line of a watch stream. */
export const WatchLine = z.discriminatedUnion('type', [
  z.looseObject({ type: ChangeType, object: WatchedObject }),
  z.looseObject({
    type: z.literal('BOOKMARK'),
    object: z.looseObject({ metadata: z.looseObject({ resourceVersion: z.string().min(1) }) }),
  }),
  // The object of an ERROR is a metav1.Status; 410 (Expired / Gone) means "your resourceVersion is too old".
  z.looseObject({
    type: z.literal('ERROR'),
    object: z.looseObject({
      code: z.number().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
    }),
  }),
]);
export type WatchLine = z.infer<typeof WatchLine>;

/**
 * Events of one object share this key. The uid is part of it: an object deleted and created again under the same
 * name is another object, and an event about one must never stand in for an event about the other.
 */
export function objectKey(object: WatchedObject): string {
  const { namespace, name, uid } = object.metadata;
  return `${namespace}/${name}/${uid}`;
}

/** `osac-computeinstance/vm-1 (rv 42)`, for log lines. */
export function describeObject(object: WatchedObject): string {
  return `${object.metadata.namespace}/${object.metadata.name} (rv ${object.metadata.resourceVersion})`;
}
