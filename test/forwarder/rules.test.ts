import {
  type ChangeEvent,
  classifyResponse,
  diffListing,
  EventQueue,
  eventsEndpoint,
  KnownObjects,
  parseForwarderOptions,
  type WatchedObject,
} from '../../forwarder/src';

/** The pure decisions of the forwarder: queueing, re-list differences, answer classification, options. */

function object(name: string, resourceVersion: string, uid = `uid-${name}`): WatchedObject {
  return { metadata: { name, namespace: 'ns', uid, resourceVersion } };
}

/** `a@3` = an event for object a at resourceVersion 3; `A` (capital) = ADDED, otherwise MODIFIED; `b~` = DELETED. */
function event(spec: string): ChangeEvent {
  const [, name = '', mark = '', rv = '1'] = /^(\w+)([~]?)@?(\d*)$/.exec(spec) ?? [];
  const type = mark === '~' ? 'DELETED' : name === name.toUpperCase() ? 'ADDED' : 'MODIFIED';
  return { type, object: object(name.toLowerCase(), rv || '1') };
}

function render(events: ReadonlyArray<ChangeEvent>): string[] {
  return events.map(
    (e) =>
      `${e.type === 'DELETED' ? '-' : e.type === 'ADDED' ? '+' : '~'}${e.object.metadata.name}@${e.object.metadata.resourceVersion}`,
  );
}

describe('EventQueue', () => {
  it.each<[string, number, string[], string[], string[], string[]]>([
    // name, capacity, pushed, queued after, coalesced, dropped
    ['below capacity: nothing lost', 3, ['a@1', 'b@2', 'a@3'], ['~a@1', '~b@2', '~a@3'], [], []],
    [
      'full: older events of an object give way to its newest',
      3,
      ['a@1', 'b@2', 'a@3', 'a@4'],
      ['~b@2', '~a@4'],
      ['~a@1', '~a@3'],
      [],
    ],
    ['full: coalescing keeps per-object order of what stays', 2, ['A@1', 'b@2', 'a@3'], ['~b@2', '~a@3'], ['+a@1'], []],
    ['full of distinct objects: the oldest is dropped', 2, ['a@1', 'b@2', 'c@3'], ['~b@2', '~c@3'], [], ['~a@1']],
    ['a deletion supersedes the changes before it', 2, ['a@1', 'a@2', 'a~@3'], ['-a@3'], ['~a@1', '~a@2'], []],
    ['capacity 1 keeps only the newest', 1, ['a@1', 'b@2'], ['~b@2'], [], ['~a@1']],
  ])('%s', (_name, capacity, pushed, queued, coalesced, dropped) => {
    const queue = new EventQueue(capacity);
    const lost = { coalesced: [] as ChangeEvent[], dropped: [] as ChangeEvent[] };
    for (const spec of pushed) {
      const result = queue.push(event(spec));
      lost.coalesced.push(...result.coalesced);
      lost.dropped.push(...result.dropped);
    }
    expect(render(queue.snapshot())).toEqual(queued);
    expect(render(lost.coalesced)).toEqual(coalesced);
    expect(render(lost.dropped)).toEqual(dropped);
    expect(queue.length).toBeLessThanOrEqual(capacity);
  });

  it('tells objects apart by uid: a re-created object does not absorb its predecessor’s deletion', () => {
    const queue = new EventQueue(1);
    const old = { type: 'DELETED', object: object('a', '5', 'uid-1') } as const;
    const successor = { type: 'ADDED', object: object('a', '6', 'uid-2') } as const;
    queue.push(old);
    expect(queue.push(successor)).toEqual({ coalesced: [], dropped: [old] });
  });

  it('hands events out first in, first out', () => {
    const queue = new EventQueue(5);
    for (const spec of ['a@1', 'b@2', 'a@3']) queue.push(event(spec));
    expect(
      [queue.shift(), queue.shift(), queue.shift(), queue.shift()].map((e) => e?.object.metadata.resourceVersion),
    ).toEqual(['1', '2', '3', undefined]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses capacity %p', (capacity) => {
    expect(() => new EventQueue(capacity)).toThrow(`queue capacity must be a whole number >= 1, got ${capacity}`);
  });
});

describe('diffListing (what a re-list tells the receiver)', () => {
  it.each<[string, WatchedObject[], WatchedObject[], string[]]>([
    ['first list: everything is new', [], [object('a', '1'), object('b', '2')], ['+a@1', '+b@2']],
    ['nothing changed: no events', [object('a', '1')], [object('a', '1')], []],
    ['a newer resourceVersion is a modification', [object('a', '1')], [object('a', '7')], ['~a@7']],
    [
      'a vanished object is deleted with its last known state',
      [object('a', '1'), object('b', '2')],
      [object('b', '2')],
      ['-a@1'],
    ],
    [
      'a name re-created under a new uid: the old one is deleted before the new one is added',
      [object('a', '1', 'uid-old')],
      [object('a', '9', 'uid-new')],
      ['-a@1', '+a@9'],
    ],
    [
      'all at once, deletions first',
      [object('a', '1'), object('b', '2'), object('c', '3')],
      [object('a', '4'), object('c', '3'), object('d', '5')],
      ['-b@2', '~a@4', '+d@5'],
    ],
  ])('%s', (_name, known, listed, expected) => {
    expect(render(diffListing(new Map(known.map((o) => [`ns/${o.metadata.name}`, o])), listed))).toEqual(expected);
  });

  it('KnownObjects follows the watch, so a later re-list reports only what the watch missed', () => {
    const known = new KnownObjects();
    expect(render(known.replaceAll([object('a', '1')]))).toEqual(['+a@1']);
    known.apply({ type: 'MODIFIED', object: object('a', '2') });
    known.apply({ type: 'ADDED', object: object('b', '3') });
    known.apply({ type: 'DELETED', object: object('b', '4') });
    expect(known.size).toBe(1);
    expect(render(known.replaceAll([object('a', '2'), object('c', '5')]))).toEqual(['+c@5']);
  });
});

describe('classifyResponse', () => {
  it.each<[number, string, string | null, object]>([
    [200, '', null, { kind: 'delivered', status: 200 }],
    [202, 'queued', null, { kind: 'delivered', status: 202 }],
    [500, 'boom', null, { kind: 'retry', reason: 'HTTP 500: boom' }],
    [502, '', null, { kind: 'retry', reason: 'HTTP 502' }],
    [503, '', '7', { kind: 'retry', reason: 'HTTP 503', retryAfterMs: 7000 }],
    [429, 'slow down', '2', { kind: 'retry', reason: 'HTTP 429: slow down', retryAfterMs: 2000 }],
    [
      400,
      '{"message":"bad\nbody"}',
      null,
      { kind: 'rejected', status: 400, reason: 'HTTP 400: {"message":"bad body"}' },
    ],
    [401, 'signature mismatch', null, { kind: 'rejected', status: 401, reason: 'HTTP 401: signature mismatch' }],
    [404, '', null, { kind: 'rejected', status: 404, reason: 'HTTP 404' }],
    [413, '', null, { kind: 'rejected', status: 413, reason: 'HTTP 413' }],
    [302, '', null, { kind: 'rejected', status: 302, reason: 'HTTP 302' }],
  ])('HTTP %i %j (Retry-After %p)', (status, text, retryAfter, expected) => {
    expect(classifyResponse(status, text, retryAfter)).toEqual(expected);
  });

  it('keeps a long refusal short in the reason', () => {
    const outcome = classifyResponse(400, 'x'.repeat(1000));
    expect(outcome.kind === 'rejected' && outcome.reason.length).toBe('HTTP 400: '.length + 301);
  });

  it.each([
    ['https://hooks.example.com', 'dev', 'https://hooks.example.com/v1/clusters/dev/events'],
    ['https://hooks.example.com/', 'dev', 'https://hooks.example.com/v1/clusters/dev/events'],
    ['https://api.example.com/prod//', 'east-1', 'https://api.example.com/prod/v1/clusters/east-1/events'],
  ])('eventsEndpoint(%s, %s)', (url, cluster, expected) => {
    expect(eventsEndpoint(url, cluster)).toBe(expected);
  });
});

describe('parseForwarderOptions', () => {
  const valid = { url: 'https://hooks.example.com', cluster: 'dev' };

  it('fills in the defaults', () => {
    expect(parseForwarderOptions(valid)).toEqual({
      ...valid,
      queueCapacity: 1000,
      requestTimeoutMs: 10_000,
      deliveryBackoff: { baseDelayMs: 500, maxDelayMs: 30_000 },
      watchBackoff: { baseDelayMs: 500, maxDelayMs: 30_000 },
      minHealthyWatchMs: 1000,
      listPageSize: 500,
      statsIntervalMs: 60_000,
    });
  });

  it.each<[object, string]>([
    [{ url: 'ftp://hooks.example.com' }, 'url: must be an http(s) URL'],
    [{ url: 'https://user:pw@hooks.example.com' }, 'url: must not carry credentials'],
    [{ url: 'https://hooks.example.com/?a=1' }, 'url: must be the webhook base URL, without a query or fragment'],
    [{ cluster: 'Dev_1' }, 'cluster: must be lowercase letters, digits and "-"'],
    [{ namespace: '-x' }, 'namespace: must be lowercase letters'],
    [{ queueCapacity: 0 }, 'queueCapacity: must be at least 1'],
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs: must be at least 1'],
    [
      { deliveryBackoff: { baseDelayMs: 100, maxDelayMs: 10 } },
      'deliveryBackoff.maxDelayMs: must not be below baseDelayMs',
    ],
    [{ extra: true }, 'Unrecognized key'],
  ])('refuses %j', (change, message) => {
    expect(() => parseForwarderOptions({ ...valid, ...change })).toThrow(message);
  });
});
