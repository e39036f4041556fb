import { loadWebhookSettings, matchRoute, webhookRequestFromApiGateway } from '../../lib/intake';
import { apiEvent } from './support/requests';

describe('matchRoute', () => {
  it.each([
    ['POST', '/v1/clusters/east/events', { kind: 'route', route: 'events', cluster: 'east' }],
    ['POST', '/v1/clusters/east/create-compute-instance', { kind: 'route', route: 'create', cluster: 'east' }],
    ['POST', '/v1/clusters/east/delete-compute-instance', { kind: 'route', route: 'delete', cluster: 'east' }],
    ['post', '/v1/clusters/east/events/', { kind: 'route', route: 'events', cluster: 'east' }],
    ['GET', '/v1/clusters/east/events', { kind: 'method-not-allowed', allow: 'POST' }],
    ['PUT', '/v1/clusters/east/delete-compute-instance', { kind: 'method-not-allowed', allow: 'POST' }],
    ['POST', '/v1/clusters/east/constructor', { kind: 'not-found' }],
    ['POST', '/v1/clusters/east/events/extra', { kind: 'not-found' }],
    ['POST', '/v1/clusters//events', { kind: 'not-found' }],
    ['POST', '/v2/clusters/east/events', { kind: 'not-found' }],
    ['POST', '/', { kind: 'not-found' }],
    ['GET', '/nowhere', { kind: 'not-found' }],
  ])('%s %s', (method, path, expected) => {
    expect(matchRoute(method, path)).toEqual(expected);
  });
});

describe('webhookRequestFromApiGateway', () => {
  it.each([
    ['the $default stage', '$default', '/v1/clusters/east/events', '/v1/clusters/east/events'],
    ['a named stage, whose name leads rawPath', 'prod', '/v1/clusters/east/events', '/v1/clusters/east/events'],
  ])('reads the route path on %s', (_label, stage, path, expected) => {
    expect(webhookRequestFromApiGateway(apiEvent({ path, stage })).path).toBe(expected);
  });

  it('lower-cases header names and keeps the body as sent', () => {
    const event = apiEvent({ path: '/x', body: 'abc', isBase64Encoded: true, headers: { 'X-Signature-256': 't=1' } });
    expect(webhookRequestFromApiGateway(event)).toEqual({
      method: 'POST',
      path: '/x',
      headers: { 'content-type': 'application/json', 'x-signature-256': 't=1' },
      body: 'abc',
      isBase64Encoded: true,
    });
  });
});

describe('loadWebhookSettings', () => {
  const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
  const valid = {
    WEBHOOKS_SECRET_NAME: 'cloudkit-provisioner/dev/webhooks',
    PROVISION_STATE_MACHINE_ARN: arn('cloudkit-provisioner-dev-provision'),
    DEPROVISION_STATE_MACHINE_ARN: arn('cloudkit-provisioner-dev-deprovision'),
  };

  it('reads a deployment environment, with defaults', () => {
    expect(loadWebhookSettings(valid)).toEqual({
      ...valid,
      SECRETS_MAX_AGE_SECONDS: 300,
      TIME_SCALE: 1,
    });
  });

  it.each([
    [
      'no webhooks source',
      { ...valid, WEBHOOKS_SECRET_NAME: ' ' },
      /WEBHOOKS_SECRET_NAME: set WEBHOOKS_SECRET_NAME \(or CLUSTERS_FILE locally\)/,
    ],
    [
      // The API credentials are not the webhook's to read: their secret alone is no source for it.
      'only the clusters (API credentials) secret',
      { ...valid, WEBHOOKS_SECRET_NAME: undefined, CLUSTERS_SECRET_NAME: 'cloudkit-provisioner/dev/clusters' },
      /WEBHOOKS_SECRET_NAME: set WEBHOOKS_SECRET_NAME/,
    ],
    [
      'no provision machine',
      { ...valid, PROVISION_STATE_MACHINE_ARN: undefined },
      /PROVISION_STATE_MACHINE_ARN: must be set to the provision state machine ARN/,
    ],
    [
      'a machine ARN that is not one',
      { ...valid, DEPROVISION_STATE_MACHINE_ARN: 'deprovision' },
      /DEPROVISION_STATE_MACHINE_ARN: must be a state machine ARN/,
    ],
    ['an endpoint that is not a URL', { ...valid, SFN_ENDPOINT: 'localhost 8083' }, /SFN_ENDPOINT: must be a URL/],
    ['a zero secrets max age', { ...valid, SECRETS_MAX_AGE_SECONDS: '0' }, /SECRETS_MAX_AGE_SECONDS/],
  ])('refuses %s, naming the variable', (_label, env, message) => {
    expect(() => loadWebhookSettings(env)).toThrow(message);
  });

  it('never echoes a value', () => {
    expect(() => loadWebhookSettings({ ...valid, SFN_ENDPOINT: 'not-a-url-secretive' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secretive') }),
    );
  });
});
