import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from '../../../local/kube-simulator/selectors';

const labels = { app: 'web', tier: 'frontend', replicas: '3' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['replicas>2', true],
    ['replicas<3', false],
    ['app=web,tier=frontend', true],
    ['app=web, tier in (backend)', false],
    [' app = web ', true],
  ])('%j matches {app:web,tier:frontend,replicas:3}: %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each([
    ['app in web', 'expected: ('],
    ['app in (a', "expected: ',' or ')'"],
    ['=web', 'expected: identifier'],
    ['app web', "'=', '!=', '==', 'in', 'notin', '>', '<' or ','"],
    ['replicas>x', "'x' is not an integer"],
  ])('refuses %j', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });
});

describe('field selectors', () => {
  const object = { metadata: { name: 'vm-1', namespace: 'ns-a' } };
  const fields = ['metadata.name', 'metadata.namespace'];

  it.each([
    ['metadata.name=vm-1', true],
    ['metadata.name==vm-1', true],
    ['metadata.name!=vm-1', false],
    ['metadata.name=vm-1,metadata.namespace=ns-b', false],
    ['metadata.namespace!=ns-b', true],
    ['', true],
  ])('%j → %s', (selector, expected) => {
    expect(matchesFields(parseFieldSelector(selector, fields), object)).toBe(expected);
  });

  it('unescapes values', () => {
    expect(parseFieldSelector('metadata.name=a\\,b', fields)).toEqual([
      { field: 'metadata.name', op: '=', value: 'a,b' },
    ]);
  });

  it('names the supported fields when an unsupported one is used', () => {
    expect(() => parseFieldSelector('spec.cores=2', fields)).toThrow(
      '"spec.cores" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });
});
