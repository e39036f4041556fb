/**
 * A local API Gateway (HTTP API, payload format 2.0): the pure request/result translations and the node:http server
 * that runs the webhook function in-process behind them.
 */
export {
  ACCOUNT_ID,
  API_ID,
  fromApiGatewayResult,
  type GatewayRequest,
  type GatewayResponse,
  gatewayError,
  isTextMediaType,
  requestTime,
  toApiGatewayEvent,
} from './api-gateway-event';
export { lambdaContext } from './lambda-context';
export { InvalidRouteKey, parseRouteKey, parseRouteKeys, type Route, type RouteMatch, selectRoute } from './routes';
export { type SecretsExtension, type SecretsExtensionOptions, startSecretsExtension } from './secrets-extension';
export {
  type Gateway,
  type GatewayAccessEntry,
  type GatewayOptions,
  type GatewayRoute,
  type HttpApiHandler,
  MAX_INTEGRATION_TIMEOUT_MS,
  MAX_REQUEST_BODY_BYTES,
  startGateway,
} from './server';
export {
  gatewayRoute,
  HttpApiDeclarationError,
  type HttpApiRoute,
  httpApiRouteKeys,
  httpApiRoutes,
} from './serverless-routes';
