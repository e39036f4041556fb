import type {
  CustomObjectsApi,
  KubeConfig,
  Middleware,
  RequestContext,
  SecurityAuthentication,
} from '@kubernetes/client-node';
import { attemptTimeoutMs } from '../runtime/deadline';
import { clientNode } from './client-node';

// How the API-server store talks to client-node: one API object per patch type, pooled connections, timeouts.

export function makeApi(
  kubeConfig: KubeConfig,
  auth: SecurityAuthentication,
  middleware: Middleware[],
): CustomObjectsApi {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('kubeConfigFor produced no current cluster');
  const { CustomObjectsApi, createConfiguration, ServerConfiguration } = clientNode();
  return new CustomObjectsApi(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: auth },
      promiseMiddleware: middleware,
    }),
  );
}

/**
 * The KubeConfig's authentication, with its connection pool kept. client-node builds a new undici Agent on every
 * request whenever TLS options are set (a CA, skipTLSVerify, or plain http, which requires skipTLSVerify): each
 * request would then open a fresh connection and TLS handshake, and leave the old agent's idle sockets behind.
 * The first agent it builds is kept and handed to every later request instead.
 */
export function reusingConnections(kubeConfig: KubeConfig): SecurityAuthentication {
  let dispatcher: ReturnType<RequestContext['getDispatcher']>;
  return {
    getName: () => kubeConfig.getName(),
    applySecurityAuthentication: async (context) => {
      await kubeConfig.applySecurityAuthentication(context);
      dispatcher ??= context.getDispatcher();
      if (dispatcher !== undefined) context.setDispatcher(dispatcher);
    },
  };
}

export function timeoutMiddleware(timeoutMs: number): Middleware {
  return {
    pre: async (context) => {
      // Never past the invocation's budget (0 when it is spent: the request is aborted before it is sent).
      context.setSignal(AbortSignal.timeout(attemptTimeoutMs(timeoutMs)));
      return context;
    },
    post: async (response) => response,
  };
}

export function contentTypeMiddleware(contentType: string): Middleware {
  return {
    pre: async (context) => {
      context.setHeaderParam('Content-Type', contentType);
      return context;
    },
    post: async (response) => response,
  };
}
