import type { NotFoundStyle, ServerErrorStatus } from './schemas';

/** A response before it is written: JSON, a non-JSON text body (proxies), or nothing. */
export interface HttpResponse {
  status: number;
  json?: unknown;
  text?: { contentType: string; body: string };
  headers?: Record<string, string>;
}

export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): HttpResponse {
  return { status, json: body, headers };
}

export function detailResponse(status: number, detail: string, headers?: Record<string, string>): HttpResponse {
  return jsonResponse(status, { detail }, headers);
}

export function emptyResponse(status: number, headers?: Record<string, string>): HttpResponse {
  return { status, headers };
}

/** AWX's own error texts (DRF plus AWX's additions), as in the fixtures. */
export const AWX_TEXT = {
  notAuthenticated: 'Authentication credentials were not provided. To establish a login session, visit /api/login/.',
  badBasicCredentials: 'Invalid username/password. To establish a login session, visit /api/login/.',
  permissionDenied: 'You do not have permission to perform this action.',
  unknownPath: 'The requested resource could not be found.',
  serverError: 'A server error has occurred.',
  notAJsonObject: 'JSON parse error - not a JSON object',
} as const;

/** AWX never sends `Basic` here, even though it accepts Basic credentials. */
export const WWW_AUTHENTICATE = 'Bearer realm=api authorization_url=/api/o/authorize/';

/** The route adds the Allow header. */
export function methodNotAllowed(method: string): HttpResponse {
  return detailResponse(405, `Method "${method}" not allowed.`);
}

/** DRF 3.15 keeps Django's `get_object_or_404` message; 3.14 replaced it with a generic one. */
export function objectNotFound(model: string, style: NotFoundStyle): HttpResponse {
  return detailResponse(404, style === 'drf-3.15' ? `No ${model} matches the given query.` : 'Not found.');
}

const nginxPage = (code: string) =>
  `<html>\r\n<head><title>${code}</title></head>\r\n<body>\r\n<center><h1>${code}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

/**
 * 5xx as a client sees them in front of a controller: AWX's JSON 500, nginx's HTML 502, the gateway's (Envoy)
 * plain-text 503/504. Deliberately not all JSON: a client must not assume it on 5xx.
 */
export function serverErrorResponse(status: ServerErrorStatus): HttpResponse {
  switch (status) {
    case 500:
      return detailResponse(500, AWX_TEXT.serverError);
    case 502:
      return { status, text: { contentType: 'text/html', body: nginxPage('502 Bad Gateway') } };
    case 503:
      return { status, text: { contentType: 'text/plain', body: 'no healthy upstream' } };
    case 504:
      return { status, text: { contentType: 'text/plain', body: 'upstream request timeout' } };
  }
}

/** The controller never throttles; a 429 comes from a rate limit in the gateway (Envoy's local rate limiter). */
export function rateLimitedResponse(retryAfterSeconds: number): HttpResponse {
  return {
    status: 429,
    text: { contentType: 'text/plain', body: 'local_rate_limited' },
    headers: { 'Retry-After': String(retryAfterSeconds) },
  };
}

/** nginx in front of AWX (awx-operator) caps request bodies at 5 MiB. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export function bodyTooLargeResponse(): HttpResponse {
  return { status: 413, text: { contentType: 'text/html', body: nginxPage('413 Request Entity Too Large') } };
}
