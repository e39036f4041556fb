import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../lib/runtime/logger';
import { Forwarder } from './forwarder';
import { KubeInstanceSource } from './kube-source';
import { createForwarderLogger } from './logger';
import { type ForwarderOptionsInput, parseForwarderOptions } from './options';

export interface CreateForwarderInput {
  readonly options: ForwarderOptionsInput;
  /** The HMAC key the webhook shares with this cluster. */
  readonly secret: string;
  /** Credentials for the cluster whose ComputeInstances are watched. */
  readonly kubeConfig: KubeConfig;
  readonly logger?: Logger;
}

/** A forwarder watching the kubeconfig's current cluster; call `start()` to run it. */
export function createForwarder(input: CreateForwarderInput): Forwarder {
  const options = parseForwarderOptions(input.options);
  const logger = input.logger ?? createForwarderLogger();
  const source = new KubeInstanceSource({
    kubeConfig: input.kubeConfig,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    pageSize: options.listPageSize,
    requestTimeoutMs: options.requestTimeoutMs,
    logger,
  });
  return new Forwarder({ options, secret: input.secret, source, logger });
}
