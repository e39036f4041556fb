import { readStandaloneConfig, startupBanner } from '../../../local/aap-simulator/config';
import { parseExtraVars, readCluster } from '../../../local/aap-simulator/extra-vars';
import { findOrphans, violationsAtLaunch } from '../../../local/aap-simulator/violations';
import {
  awxDateTime,
  elapsedSeconds,
  parseDjangoDateTime,
  pythonJsonDumps,
  pythonJsonErrorMessage,
  quotePlus,
} from '../../../local/aap-simulator/wire-format';

describe('AAP simulator wire format', () => {
  it.each([
    [Date.parse('2024-11-05T14:02:11.482Z'), '2024-11-05T14:02:11.482000Z'],
    [Date.parse('2024-11-05T14:02:11Z'), '2024-11-05T14:02:11Z'],
    [Date.parse('2024-11-05T14:02:11Z') + 0.901, '2024-11-05T14:02:11.000901Z'],
  ])('formats %d as a DRF datetime: %s', (ms, expected) => {
    expect(awxDateTime(ms)).toBe(expected);
  });

  it.each([
    [1000, 22_532.117_4, true, 21.532117],
    [1000, 22_532.117_4, false, 21.532],
    [null, 5000, false, 0],
  ])('computes elapsed from %p to %p (live %p) as %p', (started, end, live, expected) => {
    expect(elapsedSeconds(started, end, live)).toBe(expected);
  });

  it.each([
    [{ environment: 'production', app_version: '1.4.2' }, '{"environment": "production", "app_version": "1.4.2"}'],
    [{ nested: { list: [1, true, null] } }, '{"nested": {"list": [1, true, null]}}'],
    [{ text: 'Zoë "quoted"' }, '{"text": "Zo\\u00eb \\"quoted\\""}'],
    [{}, '{}'],
  ])('writes %j the way Python json.dumps does', (value, expected) => {
    expect(pythonJsonDumps(value)).toBe(expected);
  });

  it.each([
    ["{'a': 1}", 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
    ['{"a": 1,}', 'Expecting property name enclosed in double quotes: line 1 column 9 (char 8)'],
    ['{"a": 1', "Expecting ',' delimiter: line 1 column 8 (char 7)"],
    ['{"a": 1}}', 'Extra data: line 1 column 9 (char 8)'],
    ['\n  nope', 'Expecting value: line 2 column 3 (char 3)'],
  ])('explains the JSON error in %j as Python would', (text, expected) => {
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (caught) {
      error = caught;
    }
    expect(pythonJsonErrorMessage(text, error)).toBe(expected);
  });

  it.each([
    ['1,2,3', '1%2C2%2C3'],
    ['Tenant Org', 'Tenant+Org'],
    ["a*b(c)!'~", 'a%2Ab%28c%29%21%27~'],
  ])('quotes %j like urllib quote_plus', (value, expected) => {
    expect(quotePlus(value)).toBe(expected);
  });
});

describe('AAP simulator datetime filter values (Django DateTimeField.to_python)', () => {
  const utc = (text: string) => new Date(text).getTime();

  it.each([
    ['2026-03-20T10:00:01Z', utc('2026-03-20T10:00:01Z')],
    ['2026-03-20T10:00:01.250000Z', utc('2026-03-20T10:00:01.250Z')],
    ['2026-03-20T10:00:01.000001Z', utc('2026-03-20T10:00:01Z') + 0.001],
    ['2026-03-20T10:00:01,5Z', utc('2026-03-20T10:00:01.500Z')],
    ['2026-03-20T10:00:01.1234567890Z', utc('2026-03-20T10:00:01Z') + 123.456],
    ['2026-03-20 10:00:01', utc('2026-03-20T10:00:01Z')],
    ['2026-03-20T10:00', utc('2026-03-20T10:00:00Z')],
    ['2026-03-20T11:00:01+01:00', utc('2026-03-20T10:00:01Z')],
    ['2026-03-20T04:30:01-0530', utc('2026-03-20T10:00:01Z')],
    ['2026-03-20T12:00:01 +02', utc('2026-03-20T10:00:01Z')],
    ['2026-3-5', utc('2026-03-05T00:00:00Z')],
    ['0099-01-01', utc('0099-01-01T00:00:00Z')],
  ])('reads %s as UTC epoch milliseconds, whatever the local time zone', (raw, expected) => {
    expect(parseDjangoDateTime(raw)).toEqual({ ok: true, epochMs: expected });
  });

  it.each([
    ['yesterday', 'format'],
    ['Mar 20 2026', 'format'],
    ['2026-03-20T10:00:01 01:00', 'format'],
    ['2026-02-30T00:00:00Z', 'datetime'],
    ['2026-03-20T24:00:00Z', 'datetime'],
    ['2026-03-20T10:00:00+24:00', 'datetime'],
    ['2026-02-30', 'date'],
    ['0000-01-01', 'date'],
  ])('refuses %s (%s)', (raw, problem) => {
    expect(parseDjangoDateTime(raw)).toEqual({ ok: false, problem });
  });
});

describe('AAP simulator extra_vars', () => {
  it.each([
    ['an object', { a: 1 }, { a: 1 }],
    ['a JSON string', '{"a": 1}', { a: 1 }],
    ['a YAML string', '---\na: 1\n', { a: 1 }],
    ['an empty string', '', {}],
    ['a YAML document marker only', '---', {}],
    ['null', null, {}],
  ])('accepts %s', (_case, raw, expected) => {
    expect(parseExtraVars(raw)).toEqual({ ok: true, vars: expected });
  });

  it.each([
    ['a list', [1], /not list\) or YAML \(error: 'list' object has no attribute 'read'\)/],
    ['a number', 5, /not int\)/],
    ['a scalar string', 'just text', /YAML \(error: Input type `str` is not a dictionary\)/],
    ['broken JSON and YAML', '{"a":', /^Cannot parse as JSON \(error: Expecting value: .*\) or YAML \(error: .+\)\.$/s],
  ])('refuses %s with an AWX-style message', (_case, raw, message) => {
    const result = parseExtraVars(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('reads the cluster from cloudkit_cluster, and refuses one that is not a non-empty string', () => {
    expect(readCluster({ cloudkit_cluster: 'east' })).toEqual({ ok: true, cluster: 'east' });
    expect(readCluster({})).toEqual({ ok: true, cluster: '' });
    for (const bad of ['', 7]) {
      const result = readCluster({ cloudkit_cluster: bad });
      expect(result.ok ? '' : result.reason).toContain('extra_vars.cloudkit_cluster must be a non-empty string');
    }
  });
});

describe('AAP simulator violation rules', () => {
  const target = (name: string, uid = 'u1', cluster = '') => ({
    key: `ns/${name}`,
    cluster,
    namespace: 'ns',
    name,
    uid,
  });
  const create = (jobId: number, name = 'vm', uid = 'u1', cluster = '') => ({
    jobId,
    effect: 'create-vm' as const,
    target: target(name, uid, cluster),
  });
  const remove = (jobId: number, name = 'vm', uid = 'u1', cluster = '') => ({
    jobId,
    effect: 'delete-vm' as const,
    target: target(name, uid, cluster),
  });

  it.each([
    ['a delete while its create is active', remove(2), [create(1)], new Map(), ['overlap']],
    ['a create while its delete is active', create(2), [remove(1)], new Map(), ['overlap']],
    ['two creates (a re-provision)', create(2), [create(1)], new Map(), []],
    ['a delete of another VM', remove(2, 'other'), [create(1)], new Map(), []],
    ['a create after a delete of the same object', create(2), [], new Map([['ns/vm#u1', 1]]), ['create-after-delete']],
    ['a create for a re-created object (new uid)', create(2, 'vm', 'u2'), [], new Map([['ns/vm#u1', 1]]), []],
    ['a delete after a delete', remove(2), [], new Map([['ns/vm#u1', 1]]), []],
    [
      'a delete of the same name on another cluster',
      remove(2, 'vm', 'u2', 'b'),
      [create(1, 'vm', 'u1', 'a')],
      new Map(),
      [],
    ],
    ['a delete on the same cluster', remove(2, 'vm', 'u1', 'a'), [create(1, 'vm', 'u1', 'a')], new Map(), ['overlap']],
    [
      'a create after a delete of the same object on its cluster',
      create(2, 'vm', 'u1', 'a'),
      [],
      new Map([['a/ns/vm#u1', 1]]),
      ['create-after-delete'],
    ],
    ['a create on a cluster whose twin was deleted', create(2, 'vm', 'u2', 'b'), [], new Map([['a/ns/vm#u1', 1]]), []],
  ])('judges %s', (_case, launched, active, deletes, expected) => {
    expect(violationsAtLaunch(launched, active, deletes, 0).map((v) => v.kind)).toEqual(expected);
  });

  it('finds orphans by namespace/name on any cluster, or by cluster/namespace/name on that cluster only', () => {
    const vm = (cluster: string) => ({
      key: 'ns/twin',
      cluster,
      namespace: 'ns',
      name: 'twin',
      uid: cluster,
      createdByJob: 1,
      createdAt: 0,
    });
    const vms = [vm('a'), vm('b')];
    expect(findOrphans(vms, new Set(['ns/twin']), 0)).toEqual([]);
    const orphans = findOrphans(vms, new Set(['a/ns/twin']), 0);
    expect(orphans).toEqual([expect.objectContaining({ kind: 'orphan', vmKey: 'ns/twin', cluster: 'b' })]);
    expect(orphans[0]?.message).toContain('orphan VM b/ns/twin');
  });
});

describe('AAP simulator standalone configuration', () => {
  it('defaults to port 8043, localhost, real time and a generated token', () => {
    const config = readStandaloneConfig({});
    expect(config).toMatchObject({
      port: 8043,
      host: '127.0.0.1',
      timeScale: 1,
      tokenGenerated: true,
      playbooks: 'ansible_eda',
    });
    expect(config.token).toMatch(/^aap-sim-dev-[0-9a-f]{32}$/);
  });

  it('reads AAP_SIM_PORT, AAP_SIM_TOKEN, TIME_SCALE and AAP_SIM_PLAYBOOKS, treating blanks as unset', () => {
    expect(
      readStandaloneConfig({
        AAP_SIM_PORT: '0',
        AAP_SIM_TOKEN: 'tok',
        TIME_SCALE: '0.01',
        AAP_SIM_HOST: ' ',
        AAP_SIM_PLAYBOOKS: 'osac_job_vars',
      }),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      token: 'tok',
      tokenGenerated: false,
      timeScale: 0.01,
      playbooks: 'osac_job_vars',
    });
  });

  it.each([
    ['AAP_SIM_PORT', { AAP_SIM_PORT: '70000' }],
    ['AAP_SIM_PORT', { AAP_SIM_PORT: 'http' }],
    ['TIME_SCALE', { TIME_SCALE: 'fast' }],
    ['TIME_SCALE', { TIME_SCALE: '-1' }],
    ['AAP_SIM_PLAYBOOKS', { AAP_SIM_PLAYBOOKS: 'eda' }],
  ])('refuses a bad %s, naming it', (name, env) => {
    expect(() => readStandaloneConfig(env)).toThrow(name);
  });

  it('prints a generated token but never a supplied one', () => {
    const generated = readStandaloneConfig({});
    expect(startupBanner('http://127.0.0.1:8043', generated)).toContain(generated.token);
    const supplied = readStandaloneConfig({ AAP_SIM_TOKEN: 'secret-from-env' });
    const banner = startupBanner('http://127.0.0.1:8043', supplied);
    expect(banner).not.toContain('secret-from-env');
    expect(banner).toContain('http://127.0.0.1:8043/api/controller/v2/');
  });
});
