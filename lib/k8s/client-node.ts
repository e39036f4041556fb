import type * as ClientNode from '@kubernetes/client-node';

/**
 * `@kubernetes/client-node` 2.x, loaded on first use instead of at import time. It is ESM-only: Node 22 and esbuild
 * load it through `require` fine, but jest's CommonJS registry cannot (before Node 24.9). Loading it lazily keeps
 * everything in lib/k8s that does not talk to a cluster (the registry, the errors, the pure patch decisions)
 * importable from any test, and spares a Lambda that never builds a store the cost of loading it.
 */
let loaded: typeof ClientNode | undefined;

export function clientNode(): typeof ClientNode {
  loaded ??= require('@kubernetes/client-node') as typeof ClientNode;
  return loaded;
}
