import http from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import axios, { type AxiosError, type AxiosInstance, type AxiosRequestConfig, isAxiosError } from 'axios';
import axiosRetry from 'axios-retry';
import { attemptTimeoutMs, canRetryAfter } from '../runtime/deadline';
import { errorName, type Logger } from '../runtime/logger';
import { parseRetryAfterMs, retryDelayMs } from '../runtime/retry';
import {
  AapError,
  afterAttempts,
  InvalidResponse,
  LAUNCH_OUTCOME_UNKNOWN_NOTE,
  Transient,
  Unauthorized,
} from './errors';
import { type AapClientDeps, type AapTokenProvider, isHeaderSafeToken, type ResolvedAapClientOptions } from './options';
import { type AapResponse, clip, type DecodedBody, decodeBody } from './response';
import { isRetryableNetworkCode, isTimeoutCode, isTransientResponse, requestCertainlyNotSent } from './retry-policy';

export interface AapRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Relative to the API root (`v2/jobs/7/`), or an origin-relative link AAP returned (`/api/v2/jobs/?page=2`). */
  path: string;
  /** Query parameters, encoded by axios. */
  params?: Record<string, string | number>;
  /** Sent as JSON. */
  data?: unknown;
  /**
   * Whether repeating the request is harmless. Only idempotent requests are retried; the others are sent exactly
   * once, on a fresh connection, so that a pooled socket the server already closed cannot turn them into an
   * "outcome unknown".
   */
  idempotent: boolean;
}

export interface AapTransportConfig {
  origin: string;
  apiRoot: string;
  token: string | AapTokenProvider;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryAfterMs: number;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** The transport for resolved AapClient options: how every AAP adapter in lib/aap reaches the controller. */
export function createAapTransport(
  resolved: ResolvedAapClientOptions,
  logger: Logger,
  deps: AapClientDeps = {},
): AapTransport {
  return new AapTransport({
    origin: resolved.baseUrl.origin,
    apiRoot: resolved.baseUrl.apiRoot,
    token: resolved.token,
    timeoutMs: resolved.timeoutMs,
    maxRetries: resolved.maxRetries,
    retryBaseDelayMs: resolved.retryBaseDelayMs,
    maxRetryAfterMs: resolved.maxRetryAfterMs,
    logger,
    sleep: deps.sleep ?? ((ms) => delay(ms)),
    random: deps.random ?? Math.random,
    now: deps.now ?? Date.now,
  });
}

const REDACTED = '[REDACTED]';
/** Where the delay retryCondition planned waits for onRetry, on the request's own config. */
const PLANNED_DELAY = Symbol('plannedRetryDelayMs');
const REMEMBERED_TOKENS = 4;
const MAX_ENDPOINT_LENGTH = 200;

/**
 * HTTP to one AAP controller: bearer auth, per-attempt timeout, keep-alive, retries of idempotent requests, and
 * conversion of every transport failure into an AapError that carries no request configuration (and so no token).
 * Responses are returned whatever their status; deciding what a status means is the caller's job.
 */
export class AapTransport {
  private readonly http: AxiosInstance;
  private readonly pooledAgents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  private readonly oneShotAgents = {
    http: new http.Agent({ keepAlive: false }),
    https: new https.Agent({ keepAlive: false }),
  };
  /** Tokens sent recently; any echo of them in a response body is blanked before the body is looked at. */
  private readonly recentTokens: string[] = [];

  constructor(private readonly config: AapTransportConfig) {
    this.http = axios.create({
      timeout: config.timeoutMs,
      headers: { Accept: 'application/json' },
      httpAgent: this.pooledAgents.http,
      httpsAgent: this.pooledAgents.https,
      // A redirect is a signal (AAP migrating, a misrouted prefix), never something to follow with our token.
      maxRedirects: 0,
      proxy: false,
      responseType: 'text',
      transformResponse: [(data: unknown) => decodeBody(typeof data === 'string' ? this.redact(data) : data)],
      transitional: { clarifyTimeoutError: true },
    });
    axiosRetry(this.http, {
      retries: config.maxRetries,
      // Each attempt gets its own timeout (set in onRetry); the waiting happens there too, with the injectable sleep.
      shouldResetTimeout: true,
      retryDelay: () => 0,
      // A retry that could not finish inside the invocation's budget is not started: the caller gets the Transient
      // now, while there is still time to report it, instead of Lambda killing the invocation mid-wait.
      retryCondition: (error) => isRetryable(error) && canRetryAfter(this.plannedDelayMs(error)),
      // Decides what counts as success, so a 2xx that is not JSON can be retried like the failure it is.
      validateResponse: (response) =>
        response.status >= 200 && response.status < 300 && (response.data as DecodedBody).kind !== 'text',
      onRetry: async (retryCount, error, requestConfig) => {
        const delayMs = this.plannedDelayMs(error, retryCount);
        config.logger.warn('AAP request failed; retrying', {
          endpoint: this.describe(requestConfig.method ?? 'GET', requestConfig.url ?? '', requestConfig.params),
          status: error.response?.status,
          errorCode: error.response ? undefined : error.code,
          retry: retryCount,
          maxRetries: config.maxRetries,
          delayMs,
        });
        await config.sleep(delayMs);
        // Never 0, which axios reads as "no timeout": an attempt the sleep left no time for fails at once instead.
        requestConfig.timeout = Math.max(1, attemptTimeoutMs(config.timeoutMs));
      },
    });
  }

  /**
   * The wait before the next attempt, decided once per failure (retryCondition asks first, onRetry then waits it):
   * the server's Retry-After, else jittered backoff, both capped at maxRetryAfterMs.
   */
  private plannedDelayMs(error: AxiosError, retryCount?: number): number {
    const state = error.config as (AxiosRequestConfig & { [PLANNED_DELAY]?: number }) | undefined;
    const planned = state?.[PLANNED_DELAY];
    if (planned !== undefined && retryCount !== undefined) {
      delete state?.[PLANNED_DELAY];
      return planned;
    }
    const attempt = retryCount ?? (state?.['axios-retry']?.retryCount ?? 0) + 1;
    const retryAfterMs = parseRetryAfterMs(headerValue(error, 'retry-after'), this.config.now());
    const delayMs = retryDelayMs(
      { baseDelayMs: this.config.retryBaseDelayMs, maxDelayMs: this.config.maxRetryAfterMs },
      attempt,
      retryAfterMs,
      this.config.random,
    );
    if (state !== undefined && retryCount === undefined) state[PLANNED_DELAY] = delayMs;
    return delayMs;
  }

  async send(request: AapRequest): Promise<AapResponse> {
    const url = this.resolve(request.path);
    const endpoint = this.describe(request.method, url, request.params);
    const token = await this.bearerToken(endpoint);
    const timeoutMs = attemptTimeoutMs(this.config.timeoutMs);
    if (timeoutMs === 0) {
      // Nothing was sent, so even a launch certainly did not happen: the state machine retries it safely.
      throw new Transient(`${endpoint} not sent: no time left in this invocation for a request`, 'TIMEOUT', {
        attempts: 0,
      });
    }
    const axiosConfig: AxiosRequestConfig = {
      timeout: timeoutMs,
      method: request.method,
      url,
      params: request.params,
      data: request.data,
      headers: { Authorization: `Bearer ${token}` },
      ...(request.idempotent
        ? {}
        : { 'axios-retry': { retries: 0 }, httpAgent: this.oneShotAgents.http, httpsAgent: this.oneShotAgents.https }),
    };
    try {
      const response = await this.http.request<DecodedBody>(axiosConfig);
      return { status: response.status, endpoint, body: response.data, attempts: attemptsOf(response.config) };
    } catch (error) {
      return this.fromRejection(error, request, endpoint);
    }
  }

  /** Closes pooled connections; the client stays usable and opens new ones on demand. */
  close(): void {
    for (const agent of [...Object.values(this.pooledAgents), ...Object.values(this.oneShotAgents)]) agent.destroy();
  }

  /**
   * Resolves a path against the API root, or an AAP link against the origin. A link to another origin is refused:
   * following it would hand our token to whoever runs that host.
   */
  private resolve(path: string): string {
    const url = new URL(path, path.startsWith('/') ? this.config.origin : this.config.apiRoot);
    if (url.origin !== this.config.origin) {
      throw new InvalidResponse(
        `AAP returned a link to another origin (${url.origin}); refusing to follow it with our token`,
        'INVALID_BODY',
      );
    }
    return url.href;
  }

  private describe(method: string, url: string, params: unknown): string {
    const full = new URL(this.http.getUri({ url, params }));
    return clip(`${method.toUpperCase()} ${full.pathname}${full.search}`, MAX_ENDPOINT_LENGTH);
  }

  private async bearerToken(endpoint: string): Promise<string> {
    let token: unknown = this.config.token;
    if (typeof token === 'function') {
      try {
        token = await (token as AapTokenProvider)();
      } catch (error) {
        // The provider's message is not ours to repeat: it may quote what it was handling.
        throw new Transient(
          `Could not obtain the AAP token for ${endpoint}: the token provider failed (${errorName(error) ?? typeof error})`,
          'TOKEN_UNAVAILABLE',
          { attempts: 0 },
        );
      }
    }
    const trimmed = typeof token === 'string' ? token.trim() : '';
    if (!isHeaderSafeToken(trimmed)) {
      throw new Unauthorized(
        `The AAP token for ${endpoint} is unusable: it must be a non-empty string of visible ASCII characters`,
        'TOKEN_INVALID',
      );
    }
    this.remember(trimmed);
    return trimmed;
  }

  private remember(token: string): void {
    if (this.recentTokens.includes(token)) return;
    this.recentTokens.unshift(token);
    this.recentTokens.length = Math.min(this.recentTokens.length, REMEMBERED_TOKENS);
  }

  private redact(text: string): string {
    return this.recentTokens.reduce((clean, token) => clean.split(token).join(REDACTED), text);
  }

  /**
   * A rejected request either still has an answer (a non-2xx status, returned for the caller to interpret) or
   * becomes an AapError here. This is the one place axios errors end: none travels further, not even as a cause.
   */
  private fromRejection(error: unknown, request: AapRequest, endpoint: string): AapResponse {
    if (error instanceof AapError) throw error;
    const launchMayHaveHappened = !request.idempotent;
    if (isAxiosError(error) && error.response) {
      const response: AapResponse = {
        status: error.response.status,
        endpoint,
        body: error.response.data as DecodedBody,
        attempts: attemptsOf(error.config),
      };
      // validateResponse rejected a 2xx: its body is not JSON. Any other status is the caller's to interpret.
      if (response.status >= 200 && response.status < 300) {
        const fate = launchMayHaveHappened ? LAUNCH_OUTCOME_UNKNOWN_NOTE : '';
        throw new Transient(
          `${endpoint} answered HTTP ${response.status} with a body that is not JSON${afterAttempts(response.attempts)}${fate}`,
          'NON_JSON_BODY',
          { status: response.status, attempts: response.attempts, launchOutcomeUnknown: launchMayHaveHappened },
        );
      }
      return response;
    }
    const code = isAxiosError(error) ? error.code : undefined;
    const attempts = isAxiosError(error) ? attemptsOf(error.config) : 1;
    const tries = afterAttempts(attempts);
    const outcomeUnknown = launchMayHaveHappened && !requestCertainlyNotSent(code);
    const fate = outcomeUnknown ? LAUNCH_OUTCOME_UNKNOWN_NOTE : '';
    if (isTimeoutCode(code)) {
      const waited = isAxiosError(error) ? error.config?.timeout : undefined;
      throw new Transient(
        `${endpoint} timed out after ${waited ?? this.config.timeoutMs} ms${tries}${fate}`,
        'TIMEOUT',
        {
          attempts,
          launchOutcomeUnknown: outcomeUnknown,
        },
      );
    }
    const what = code ?? errorName(error) ?? typeof error;
    throw new Transient(`${endpoint} failed without a response (${what})${tries}${fate}`, 'NETWORK', {
      attempts,
      launchOutcomeUnknown: outcomeUnknown,
    });
  }
}

function isRetryable(error: AxiosError): boolean {
  if (error.response) {
    return isTransientResponse(
      error.response.status,
      (error.response.data as DecodedBody | undefined)?.kind !== 'text',
    );
  }
  return isRetryableNetworkCode(error.code);
}

function attemptsOf(config: AxiosRequestConfig | undefined): number {
  return (config?.['axios-retry']?.retryCount ?? 0) + 1;
}

function headerValue(error: AxiosError, name: string): string | undefined {
  const value: unknown = error.response?.headers?.[name];
  return typeof value === 'string' ? value : undefined;
}
