/**
 * The signed webhook intake: clusters report ComputeInstance changes; a verified change starts the workflow the
 * shared decision asks for, under its deterministic execution name. Kept free of `@kubernetes/client-node`: the
 * webhook Lambda bundles this and must stay small.
 */
export { type Authentication, type AuthScheme, authenticateWebhook } from './authenticate';
export {
  type BodyIssue,
  type ChangeKind,
  MAX_BODY_BYTES,
  type ParsedBody,
  parseWebhookBody,
  type RawBody,
  readRawBody,
  WatchEventType,
  type WebhookChange,
} from './body';
export { createIntakeContext } from './context';
export { decideIntake, type IntakeDecision, servesNamespace, type WorkflowWork } from './decide';
export {
  describeFailure,
  describeOutcome,
  type OutcomeRecord,
  type OutcomeSinks,
  recordOutcome,
  type WebhookMetric,
} from './outcome';
export {
  type IntakeContext,
  type IntakeOutcome,
  type IntakeResult,
  processWebhook,
  type RejectReason,
  UNAUTHENTICATED_MESSAGE,
} from './process';
export { jsonResponse, type WebhookRequest, type WebhookResponse, webhookRequestFromApiGateway } from './request';
export { matchRoute, type RouteMatch, WEBHOOK_METHOD, type WebhookRoute } from './routes';
export { InvalidWebhookSettings, loadWebhookSettings, WebhookSettings } from './settings';
export {
  type ParsedSignatureHeader,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  type SignatureCheck,
  type SignatureFailure,
  sameSecret,
  signWebhook,
  verifySignature,
} from './signature';
