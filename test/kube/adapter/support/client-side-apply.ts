/**
 * Client-side apply as `kubectl apply` and `kubernetes.core.k8s` with `apply: true` compute it for a custom
 * resource (no strategic-merge metadata, so a JSON merge patch): apimachinery's CreateThreeWayJSONMergePatch of
 *   original = the `kubectl.kubernetes.io/last-applied-configuration` annotation,
 *   modified = the manifest being applied, itself annotated with its own last-applied copy,
 *   current  = the live object.
 * Fields present in `original` but absent from `modified` become `null` (deletions); fields of `modified` that
 * differ from `current` are set (additions and changes). Used only to reproduce the historical failure.
 */

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonMap = { [key: string]: Json };

function isMap(value: Json | undefined): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Keys of `original` missing from `modified` → null, recursing into maps present in both. */
function deletions(original: JsonMap, modified: JsonMap): JsonMap {
  const patch: JsonMap = {};
  for (const [key, value] of Object.entries(original)) {
    const next = modified[key];
    if (next === undefined) {
      patch[key] = null;
    } else if (isMap(value) && isMap(next)) {
      const nested = deletions(value, next);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    }
  }
  return patch;
}

/** What `modified` sets that `current` does not already hold (deletions ignored), recursing into maps. */
function additionsAndChanges(current: JsonMap, modified: JsonMap): JsonMap {
  const patch: JsonMap = {};
  for (const [key, value] of Object.entries(modified)) {
    const live = current[key];
    if (isMap(value) && isMap(live)) {
      const nested = additionsAndChanges(live, value);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    } else if (!equal(value, live)) {
      patch[key] = value;
    }
  }
  return patch;
}

function mergeMaps(a: JsonMap, b: JsonMap): JsonMap {
  const out: JsonMap = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isMap(existing) && isMap(value) ? mergeMaps(existing, value) : value;
  }
  return out;
}

/** The merge patch `kubectl apply` would send to apply `manifest` onto `live`. */
export function clientSideApplyPatch(manifest: JsonMap, live: JsonMap): JsonMap {
  const liveMetadata = isMap(live.metadata) ? live.metadata : {};
  const liveAnnotations = isMap(liveMetadata.annotations) ? liveMetadata.annotations : {};
  const lastApplied = liveAnnotations[LAST_APPLIED_ANNOTATION];
  const original: JsonMap = typeof lastApplied === 'string' ? (JSON.parse(lastApplied) as JsonMap) : {};

  // kubectl stores the manifest it applies (without the annotation itself) as the next last-applied copy.
  const manifestMetadata = isMap(manifest.metadata) ? manifest.metadata : {};
  const manifestAnnotations = isMap(manifestMetadata.annotations) ? manifestMetadata.annotations : {};
  const modified: JsonMap = {
    ...manifest,
    metadata: {
      ...manifestMetadata,
      annotations: { ...manifestAnnotations, [LAST_APPLIED_ANNOTATION]: JSON.stringify(manifest) },
    },
  };
  return mergeMaps(additionsAndChanges(live, modified), deletions(original, modified));
}
