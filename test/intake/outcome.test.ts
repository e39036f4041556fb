import { describeFailure, describeOutcome, type IntakeResult, recordOutcome } from '../../lib/intake';

const response = (statusCode: number) => ({ statusCode, headers: {}, body: '{}' });
const about = {
  cluster: 'east',
  route: 'events' as const,
  eventType: 'ADDED' as const,
  instance: { namespace: 'tenant-a', name: 'vm-1' },
};

describe('describeOutcome: one log line and one metric per request', () => {
  it.each<[string, IntakeResult, ReturnType<typeof describeOutcome>]>([
    [
      'accepted',
      {
        ...about,
        response: response(202),
        outcome: {
          kind: 'accepted',
          action: 'provision',
          executionName: 'p-east-1',
          executionArn: 'arn:aws:states:::execution:p:p-east-1',
          duplicate: false,
          reason: 'started',
        },
      },
      {
        level: 'info',
        message: 'webhook accepted',
        attributes: {
          cluster: 'east',
          route: 'events',
          eventType: 'ADDED',
          namespace: 'tenant-a',
          name: 'vm-1',
          status: 202,
          action: 'provision',
          executionName: 'p-east-1',
          duplicate: false,
          reason: 'started',
        },
        metric: 'WebhookAccepted',
        dimensions: {},
      },
    ],
    [
      'ignored',
      { ...about, response: response(200), outcome: { kind: 'ignored', reason: 'nothing to do' } },
      {
        level: 'info',
        message: 'webhook ignored',
        attributes: {
          cluster: 'east',
          route: 'events',
          eventType: 'ADDED',
          namespace: 'tenant-a',
          name: 'vm-1',
          status: 200,
          action: 'ignored',
          reason: 'nothing to do',
        },
        metric: 'WebhookIgnored',
        dimensions: {},
      },
    ],
    [
      'rejected, before the cluster is known',
      {
        response: response(404),
        outcome: { kind: 'rejected', reason: 'route_not_found', detail: 'no route POST /nope' },
      },
      {
        level: 'info',
        message: 'webhook rejected',
        attributes: {
          cluster: undefined,
          route: undefined,
          eventType: undefined,
          namespace: undefined,
          name: undefined,
          status: 404,
          reason: 'route_not_found',
          detail: 'no route POST /nope',
        },
        metric: 'WebhookRejected',
        dimensions: { reason: 'route_not_found' },
      },
    ],
    [
      'unavailable',
      { ...about, response: response(503), outcome: { kind: 'unavailable', detail: 'Step Functions: throttled' } },
      {
        level: 'error',
        message: 'webhook could not be handled; the sender is told to retry',
        attributes: {
          cluster: 'east',
          route: 'events',
          eventType: 'ADDED',
          namespace: 'tenant-a',
          name: 'vm-1',
          status: 503,
          detail: 'Step Functions: throttled',
        },
        metric: 'WebhookUnavailable',
        dimensions: {},
      },
    ],
  ])('%s', (_, result, expected) => {
    expect(describeOutcome(result)).toEqual(expected);
  });

  it('keeps a sender-chosen cluster name short in the log line', () => {
    const record = describeOutcome({
      cluster: 'x'.repeat(500),
      response: response(404),
      outcome: { kind: 'rejected', reason: 'unknown_cluster', detail: 'unknown cluster' },
    });
    expect(record.attributes.cluster).toBe('x'.repeat(80));
  });

  it('counts a failure to decide as unavailable, logged as an error', () => {
    const error = new Error('invalid webhook settings');
    expect(describeFailure(error)).toEqual({
      level: 'error',
      message: 'webhook failed',
      attributes: { error },
      metric: 'WebhookUnavailable',
      dimensions: {},
    });
  });
});

describe('recordOutcome', () => {
  it('adds the dimensions, then the metric, then writes the line at its level', () => {
    const calls: unknown[][] = [];
    const sinks = {
      logger: {
        info: (...args: unknown[]) => calls.push(['info', ...args]),
        error: (...args: unknown[]) => calls.push(['error', ...args]),
      },
      metrics: {
        addDimension: (...args: unknown[]) => calls.push(['addDimension', ...args]),
        addMetric: (...args: unknown[]) => calls.push(['addMetric', ...args]),
      },
    };
    recordOutcome(
      {
        level: 'error',
        message: 'm',
        attributes: { a: 1 },
        metric: 'WebhookRejected',
        dimensions: { reason: 'unauthenticated' },
      },
      sinks,
    );
    expect(calls).toEqual([
      ['addDimension', 'reason', 'unauthenticated'],
      ['addMetric', 'WebhookRejected', 'Count', 1],
      ['error', 'm', { a: 1 }],
    ]);
  });
});
