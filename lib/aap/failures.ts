import {
  type AapError,
  afterAttempts,
  Forbidden,
  InvalidResponse,
  LAUNCH_OUTCOME_UNKNOWN_NOTE,
  Transient,
  Unauthorized,
} from './errors';
import { type AapResponse, collectAapMessages } from './response';

/**
 * The error for a status the calling operation has no specific meaning for. Pure: the same response always gives
 * the same error. `launch` marks a non-idempotent POST, whose fate is unknown when a server or proxy fails.
 */
export function errorForStatus(response: AapResponse, options: { launch?: boolean } = {}): AapError {
  const { status, endpoint, attempts } = response;
  const launch = options.launch ?? false;
  const quoted = quoteMessages(response);

  if (status === 401) {
    return new Unauthorized(
      `AAP did not accept the token for ${endpoint} (HTTP 401)${quoted}; check that it is valid and not expired`,
      'UNAUTHORIZED',
      401,
    );
  }
  if (status === 403) {
    const why = launch
      ? "the token's user may not launch this template, or the token has read scope only"
      : "the token's user lacks permission";
    return new Forbidden(`AAP refused ${endpoint} (HTTP 403)${quoted}; ${why}`);
  }
  const tries = afterAttempts(attempts);
  if (status === 429) {
    // A throttling proxy answers before the controller sees the request: a throttled launch did not happen.
    return new Transient(`${endpoint} was throttled (HTTP 429)${tries}${quoted}`, 'HTTP_STATUS', {
      status,
      attempts,
      launchOutcomeUnknown: false,
    });
  }
  if (status >= 500 || (status >= 300 && status < 400)) {
    const kind = status >= 500 ? 'failed' : 'was redirected (AAP may be upgrading)';
    const fate = launch ? LAUNCH_OUTCOME_UNKNOWN_NOTE : '';
    return new Transient(`${endpoint} ${kind} with HTTP ${status}${tries}${quoted}${fate}`, 'HTTP_STATUS', {
      status,
      attempts,
      launchOutcomeUnknown: launch,
    });
  }
  return new InvalidResponse(`${endpoint} answered HTTP ${status}${quoted}`, 'UNEXPECTED_STATUS', { status });
}

function quoteMessages(response: AapResponse): string {
  const messages = collectAapMessages(response.body);
  return messages.length > 0 ? `: ${messages.join('; ')}` : '';
}
