import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { readBody as readRequestBody, send } from '../http';
import type { JsonValue } from './json';
import { mediaTypeOf } from './negotiation';
import { ApiError, badRequest, type Status, unsupportedMediaType } from './status';

/** Reading request bodies and writing responses the way kube-apiserver frames them. */

// kube-apiserver's request body limit.
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const read = await readRequestBody(req, MAX_BODY_BYTES);
  if (read.ok) return read.body.toString('utf8');
  if (read.reason === 'aborted') throw new Error('the client closed the connection before sending its whole body');
  throw new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Request entity too large: limit is ${MAX_BODY_BYTES}`,
    reason: 'RequestEntityTooLarge',
    code: 413,
  });
}

/** A create/update/delete-options body. JSON only: kubectl and client-node send nothing else (no YAML, no protobuf). */
export function parseObjectBody(text: string, contentType: string | undefined): JsonValue {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType !== '' && mediaType !== 'application/json' && mediaType !== '*/*') {
    throw unsupportedMediaType(['application/json']);
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

export function sendText(res: http.ServerResponse, code: number, text: string): void {
  send(res, code, { 'Content-Type': 'text/plain; charset=utf-8' }, text);
}

export interface SendOptions {
  /** `Warning` headers (`299 - "<text>"`), e.g. for pruned unknown fields. */
  warnings?: string[];
  contentType?: string;
}

export function sendJson(res: http.ServerResponse, code: number, body: unknown, options: SendOptions = {}): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': options.contentType ?? 'application/json',
    'Cache-Control': 'no-cache, private',
    'Audit-Id': randomUUID(),
  };
  if (options.warnings && options.warnings.length > 0) {
    headers.Warning = options.warnings.map((warning) => `299 - ${JSON.stringify(warning)}`);
  }
  send(res, code, headers, text);
}

export function sendStatus(res: http.ServerResponse, status: Status): void {
  sendJson(res, status.code, status);
}
