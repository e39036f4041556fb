import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** An HTTP request as the intake needs it, whatever delivered it. */
export interface WebhookRequest {
  method: string;
  /** Without a stage prefix: `/v1/clusters/<id>/events`. */
  path: string;
  /** Lower-cased names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: string | undefined;
  isBase64Encoded: boolean;
}

export interface WebhookResponse extends APIGatewayProxyStructuredResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An API Gateway HTTP API event (payload format 2.0) as a WebhookRequest. `rawPath` carries the stage name first
 * unless the stage is `$default`; routes are matched without it.
 */
export function webhookRequestFromApiGateway(event: APIGatewayProxyEventV2): WebhookRequest {
  const stage = event.requestContext?.stage;
  const stagePrefix = stage === undefined || stage === '$default' ? '' : `/${stage}`;
  const rawPath = event.rawPath ?? '';
  const path =
    stagePrefix !== '' && (rawPath === stagePrefix || rawPath.startsWith(`${stagePrefix}/`))
      ? rawPath.slice(stagePrefix.length)
      : rawPath;
  // fromEntries defines properties, so even a header named `__proto__` is just a header.
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    method: event.requestContext?.http?.method ?? '',
    path,
    headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

/** Larger bodies are refused before anything else is done with them (a ComputeInstance is a few KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

export type RawBody = { ok: true; bytes: Buffer } | { ok: false; tooLarge: true };

/**
 * The body as the sender's bytes, which is what a signature covers: API Gateway passes text bodies as they are
 * and other media types base64-encoded. The size is checked before anything is decoded.
 */
export function readRawBody(body: string | undefined, isBase64Encoded: boolean, limit = MAX_BODY_BYTES): RawBody {
  const text = body ?? '';
  if (isBase64Encoded) {
    // Every 4 characters carry 3 bytes: a longer text cannot decode to `limit` bytes or fewer.
    if (text.length > Math.ceil(limit / 3) * 4) return { ok: false, tooLarge: true };
    const bytes = Buffer.from(text, 'base64');
    return bytes.length > limit ? { ok: false, tooLarge: true } : { ok: true, bytes };
  }
  if (Buffer.byteLength(text, 'utf8') > limit) return { ok: false, tooLarge: true };
  return { ok: true, bytes: Buffer.from(text, 'utf8') };
}

export function jsonResponse(
  statusCode: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): WebhookResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
