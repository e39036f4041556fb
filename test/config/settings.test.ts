import { InvalidSettings, loadSettings } from '../../lib/config/settings';
import { DEFAULT_FALLBACK_POLL_SCHEDULE } from '../../lib/workflow/polling';

const base = {
  AAP_URL: 'https://aap.example.com/api/controller',
  AAP_TOKEN: 'tok-secret',
  CLUSTERS_FILE: '/tmp/c.json',
};

describe('loadSettings', () => {
  it('applies the defaults', () => {
    const s = loadSettings(base);
    expect(s).toMatchObject({
      AAP_PROVISION_TEMPLATE: 'osac-create-compute-instance',
      AAP_DEPROVISION_TEMPLATE: 'osac-delete-compute-instance',
      MAX_JOB_HISTORY: 10,
      POLL_MIN_SECONDS: 5,
      POLL_MAX_SECONDS: 300,
      POLLS_PER_EXECUTION: 400,
    });
  });

  it.each([
    ['the prefix default', {}, 'osac-create-compute-instance', 'osac-delete-compute-instance'],
    ['another prefix', { AAP_TEMPLATE_PREFIX: 'acme' }, 'acme-create-compute-instance', 'acme-delete-compute-instance'],
    [
      'an explicit name over the prefix',
      { AAP_TEMPLATE_PREFIX: 'acme', AAP_PROVISION_TEMPLATE: 'Create VM' },
      'Create VM',
      'acme-delete-compute-instance',
    ],
    ['both explicit names', { AAP_PROVISION_TEMPLATE: 'make', AAP_DEPROVISION_TEMPLATE: 'unmake' }, 'make', 'unmake'],
    [
      'an empty explicit name as not set',
      { AAP_DEPROVISION_TEMPLATE: ' ' },
      'osac-create-compute-instance',
      'osac-delete-compute-instance',
    ],
  ])('names the templates from %s', (_case, env, provision, deprovision) => {
    expect(loadSettings({ ...base, ...env })).toMatchObject({
      AAP_PROVISION_TEMPLATE: provision,
      AAP_DEPROVISION_TEMPLATE: deprovision,
    });
  });

  it.each([
    [undefined, 'both'],
    ['osac_job_vars', 'osac_job_vars'],
    ['ansible_eda', 'ansible_eda'],
    ['both', 'both'],
  ])('reads AAP_JOB_VARS=%s as %s', (value, expected) => {
    expect(loadSettings({ ...base, AAP_JOB_VARS: value }).AAP_JOB_VARS).toBe(expected);
  });

  it('leaves notifications off by default, with the fallback schedule polling.ts justifies', () => {
    const s = loadSettings(base);
    expect(s.JOB_NOTIFICATIONS).toBe('off');
    expect(s.JOB_WAITERS_TABLE).toBeUndefined();
    expect(s.DYNAMODB_ENDPOINT).toBeUndefined();
    expect({
      minSeconds: s.FALLBACK_POLL_MIN_SECONDS,
      maxSeconds: s.FALLBACK_POLL_MAX_SECONDS,
      fraction: s.FALLBACK_POLL_FRACTION,
    }).toEqual(DEFAULT_FALLBACK_POLL_SCHEDULE);
  });

  it('reads notifications on, the table and the local DynamoDB endpoint', () => {
    expect(
      loadSettings({
        ...base,
        JOB_NOTIFICATIONS: 'on',
        JOB_WAITERS_TABLE: 'waiters',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
        FALLBACK_POLL_FRACTION: '0.15',
      }),
    ).toMatchObject({
      JOB_NOTIFICATIONS: 'on',
      JOB_WAITERS_TABLE: 'waiters',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
      FALLBACK_POLL_FRACTION: 0.15,
    });
  });

  it('reads numbers from strings', () => {
    expect(loadSettings({ ...base, MAX_JOB_HISTORY: '4', POLL_FRACTION: '0.2' })).toMatchObject({
      MAX_JOB_HISTORY: 4,
      POLL_FRACTION: 0.2,
    });
  });

  it.each([
    ['a missing AAP_URL', { ...base, AAP_URL: undefined }, /AAP_URL/],
    ['a malformed AAP_URL', { ...base, AAP_URL: 'aap.example.com' }, /AAP_URL/],
    ['no AAP token source', { ...base, AAP_TOKEN: '' }, /AAP_TOKEN_SECRET_NAME/],
    ['no cluster registry', { ...base, CLUSTERS_FILE: undefined }, /CLUSTERS_SECRET_NAME/],
    ['a negative history size', { ...base, MAX_JOB_HISTORY: '-1' }, /MAX_JOB_HISTORY/],
    ['a poll floor above its cap', { ...base, POLL_MIN_SECONDS: '600' }, /POLL_MIN_SECONDS/],
    [
      'an unknown envelope',
      { ...base, AAP_JOB_VARS: 'eda' },
      /AAP_JOB_VARS: must be one of osac_job_vars, ansible_eda, both/,
    ],
    ['a prefix with a space', { ...base, AAP_TEMPLATE_PREFIX: 'my osac' }, /AAP_TEMPLATE_PREFIX: must be one word/],
    ['notifications neither on nor off', { ...base, JOB_NOTIFICATIONS: 'yes' }, /JOB_NOTIFICATIONS: must be on or off/],
    [
      'a fallback poll floor above its cap',
      { ...base, FALLBACK_POLL_MIN_SECONDS: '3600' },
      /FALLBACK_POLL_MIN_SECONDS: must not exceed FALLBACK_POLL_MAX_SECONDS/,
    ],
    ['a fallback fraction above 1', { ...base, FALLBACK_POLL_FRACTION: '2' }, /FALLBACK_POLL_FRACTION/],
  ])('refuses %s, naming the variable', (_label, env, message) => {
    expect(() => loadSettings(env)).toThrow(InvalidSettings);
    expect(() => loadSettings(env)).toThrow(message);
  });

  it('never echoes a value in its error', () => {
    try {
      loadSettings({ ...base, AAP_URL: 'not a url tok-secret' });
      throw new Error('expected a failure');
    } catch (err) {
      expect(String(err)).not.toContain('tok-secret');
    }
  });
});
