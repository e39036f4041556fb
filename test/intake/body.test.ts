import { MAX_BODY_BYTES, parseWebhookBody, readRawBody, type WebhookRoute } from '../../lib/intake';
import { DNS_LABEL_MESSAGE, DNS_SUBDOMAIN_MESSAGE } from '../../lib/k8s/names';
import { instance } from './support/requests';

const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');

describe('readRawBody', () => {
  const LIMIT = 8;
  it.each([
    ['text at the limit', 'x'.repeat(8), false, { ok: true, bytes: Buffer.from('x'.repeat(8)) }],
    ['text over the limit', 'x'.repeat(9), false, { ok: false, tooLarge: true }],
    // Four characters, eight bytes: the limit is on bytes, not on characters.
    ['multi-byte text at the limit', 'éééé', false, { ok: true, bytes: Buffer.from('éééé') }],
    ['multi-byte text over the limit', 'ééééé', false, { ok: false, tooLarge: true }],
    [
      'base64 decoding to the limit',
      Buffer.from('12345678').toString('base64'),
      true,
      { ok: true, bytes: Buffer.from('12345678') },
    ],
    [
      'base64 decoding past the limit',
      Buffer.from('123456789').toString('base64'),
      true,
      { ok: false, tooLarge: true },
    ],
    ['no body', undefined, false, { ok: true, bytes: Buffer.alloc(0) }],
  ])('%s', (_label, body, isBase64Encoded, expected) => {
    expect(readRawBody(body, isBase64Encoded, LIMIT)).toEqual(expected);
  });

  it('refuses a base64 text too long to fit without decoding it', () => {
    const huge = 'A'.repeat(Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4);
    expect(readRawBody(huge, true)).toEqual({ ok: false, tooLarge: true });
  });

  it('limits bodies to 1 MiB by default', () => {
    expect(readRawBody('x'.repeat(MAX_BODY_BYTES), false).ok).toBe(true);
    expect(readRawBody('x'.repeat(MAX_BODY_BYTES + 1), false).ok).toBe(false);
  });
});

describe('parseWebhookBody', () => {
  const object = instance();
  const withMeta = (metadata: Record<string, unknown>) => ({
    ...object,
    metadata: { ...object.metadata, ...metadata },
  });
  const withoutUid = () => {
    const { uid: _uid, ...metadata } = object.metadata;
    return { ...object, metadata };
  };
  const event = (type: string, value: unknown) => bytes({ type, object: value });

  it.each<[string, WebhookRoute, Buffer, unknown]>([
    ['ADDED', 'events', event('ADDED', object), { kind: 'upsert', eventType: 'ADDED' }],
    ['MODIFIED', 'events', event('MODIFIED', object), { kind: 'upsert', eventType: 'MODIFIED' }],
    ['DELETED', 'events', event('DELETED', object), { kind: 'delete', eventType: 'DELETED' }],
    ['the EDA create route', 'create', bytes(object), { kind: 'upsert' }],
    ['the EDA delete route', 'delete', bytes(object), { kind: 'delete' }],
  ])('reads %s', (_label, route, body, expected) => {
    const parsed = parseWebhookBody(route, body, 'east');
    expect(parsed).toEqual({ ok: true, change: { ...(expected as object), instance: object, ref: expect.anything() } });
    if (parsed.ok) {
      expect(parsed.change.ref).toEqual({
        cluster: 'east',
        namespace: 'osac-computeinstance',
        name: 'vm-7fk2p',
        uid: object.metadata.uid,
      });
    }
  });

  it('keeps fields it does not model, since the workflow never sees the body anyway', () => {
    const parsed = parseWebhookBody('create', bytes({ ...object, extra: { kept: true } }), 'east');
    expect(parsed.ok && (parsed.change.instance as Record<string, unknown>).extra).toEqual({ kept: true });
  });

  it.each<[string, WebhookRoute, Buffer, string]>([
    ['not JSON', 'events', bytes('{"type":'), 'body is not valid UTF-8 JSON'],
    ['empty', 'create', bytes(''), 'body is not valid UTF-8 JSON'],
    ['not UTF-8', 'events', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'body is not valid UTF-8 JSON'],
  ])('refuses a body that is %s as malformed', (_label, route, body, message) => {
    expect(parseWebhookBody(route, body, 'east')).toEqual({ ok: false, reason: 'malformed_json', message, issues: [] });
  });

  it.each<[string, WebhookRoute, Buffer, Array<{ path: string; message: RegExp | string }>]>([
    ['a JSON array', 'events', bytes([1]), [{ path: '(root)', message: /expected a watch event/ }]],
    [
      'a BOOKMARK event',
      'events',
      event('BOOKMARK', object),
      [{ path: 'type', message: 'expected ADDED, MODIFIED or DELETED' }],
    ],
    [
      'an event without object',
      'events',
      bytes({ type: 'ADDED' }),
      [{ path: 'object', message: 'expected a ComputeInstance object' }],
    ],
    [
      'a wrong kind',
      'events',
      event('ADDED', { ...object, kind: 'Pod' }),
      [{ path: 'object.kind', message: 'expected ComputeInstance' }],
    ],
    [
      'a wrong group',
      'events',
      event('ADDED', { ...object, apiVersion: 'example.com/v1alpha1' }),
      [{ path: 'object.apiVersion', message: 'expected group osac.openshift.io (osac.openshift.io/v1alpha1)' }],
    ],
    [
      'a core apiVersion',
      'events',
      event('ADDED', { ...object, apiVersion: 'v1' }),
      [{ path: 'object.apiVersion', message: /expected group osac\.openshift\.io/ }],
    ],
    [
      'a wrong version',
      'events',
      event('ADDED', { ...object, apiVersion: 'osac.openshift.io/v2' }),
      [{ path: 'object.apiVersion', message: 'expected version v1alpha1 (osac.openshift.io/v1alpha1)' }],
    ],
    ['a missing uid', 'events', event('ADDED', withoutUid()), [{ path: 'object.metadata.uid', message: 'required' }]],
    [
      'an empty namespace',
      'events',
      event('ADDED', withMeta({ namespace: '' })),
      [{ path: 'object.metadata.namespace', message: 'must not be empty' }],
    ],
    [
      'a numeric name',
      'events',
      event('ADDED', withMeta({ name: 42 })),
      [{ path: 'object.metadata.name', message: 'expected the name as a string' }],
    ],
    [
      'no metadata',
      'events',
      event('ADDED', { ...object, metadata: undefined }),
      [{ path: 'object.metadata', message: 'required' }],
    ],
    [
      'a wrong kind on the EDA route',
      'create',
      bytes({ ...object, kind: 'Pod' }),
      [{ path: 'kind', message: 'expected ComputeInstance' }],
    ],
    ['a missing uid on the EDA route', 'delete', bytes(withoutUid()), [{ path: 'metadata.uid', message: 'required' }]],
    [
      'an invalid spec',
      'events',
      event('ADDED', { ...object, spec: { ...object.spec, cores: 0 } }),
      [{ path: 'object.spec.cores', message: /too small/i }],
    ],
    [
      'an invalid list item',
      'create',
      bytes({ ...object, spec: { ...object.spec, networkAttachments: [{ subnetRef: '' }] } }),
      [{ path: 'spec.networkAttachments[0].subnetRef', message: /too small/i }],
    ],
    [
      'a namespace longer than the API server allows',
      'events',
      event('ADDED', withMeta({ namespace: 'n'.repeat(64) })),
      [{ path: 'object.metadata.namespace', message: DNS_LABEL_MESSAGE }],
    ],
    ...['.', '..', 'a/b', 'Bad_NS', 'ns.with.dots', '-ns', 'ns-', 'nämespace'].map(
      (namespace): [string, WebhookRoute, Buffer, Array<{ path: string; message: string }>] => [
        `the namespace ${JSON.stringify(namespace)} Kubernetes rejects`,
        'events',
        event('ADDED', withMeta({ namespace })),
        [{ path: 'object.metadata.namespace', message: DNS_LABEL_MESSAGE }],
      ],
    ),
    ...['.', '..', 'a/b', 'Bad_Name', 'vm..7', '.vm', 'vm-', 'vm\u00e9', 'x'.repeat(254)].map(
      (name): [string, WebhookRoute, Buffer, Array<{ path: string; message: string }>] => [
        `the name ${JSON.stringify(name).slice(0, 20)} Kubernetes rejects`,
        'create',
        bytes(withMeta({ name: JSON.parse(`"${name}"`) })),
        [{ path: 'metadata.name', message: DNS_SUBDOMAIN_MESSAGE }],
      ],
    ),
  ])('refuses %s, naming the field', (_label, route, body, issues) => {
    const parsed = parseWebhookBody(route, body, 'east');
    expect(parsed).toEqual({
      ok: false,
      reason: 'invalid_body',
      message: expect.stringContaining(issues.map((issue) => issue.path).join('')),
      issues: issues.map((issue) => ({
        path: issue.path,
        message: typeof issue.message === 'string' ? issue.message : expect.stringMatching(issue.message),
      })),
    });
  });

  it('names every failing field in one message', () => {
    const parsed = parseWebhookBody('events', event('ADDED', { ...object, kind: 'Pod', apiVersion: 'x/v1' }), 'east');
    expect(parsed.ok === false && parsed.message).toBe(
      'invalid event: object.apiVersion: expected group osac.openshift.io (osac.openshift.io/v1alpha1); object.kind: expected ComputeInstance',
    );
  });
});
