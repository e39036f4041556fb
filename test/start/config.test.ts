import { UsageError } from '../../local/command-line';
import {
  aapNotificationsEnabled,
  DEV_AAP_NOTIFICATION_TOKEN,
  DEV_AAP_SIM_TOKEN,
  DEV_KUBE_SIM_TOKEN,
  DEV_WEBHOOK_SECRET,
  LOCAL_SETTINGS_HELP,
  LocalSettings,
  LocalSettingsError,
  loadLocalSettings,
  localSettingsTable,
} from '../../local/config';
import { parseStartArguments } from '../../local/start';

describe('local settings from the environment', () => {
  it('defaults every setting when nothing is set', () => {
    expect(loadLocalSettings({})).toEqual({
      PORT: 3000,
      AAP_SIM_PORT: 8043,
      KUBE_SIM_PORT: 6443,
      SFN_PORT: 8083,
      TIME_SCALE: 1,
      WEBHOOK_SECRET: DEV_WEBHOOK_SECRET,
      AAP_SIM_TOKEN: DEV_AAP_SIM_TOKEN,
      KUBE_SIM_TOKEN: DEV_KUBE_SIM_TOKEN,
      RECONCILE_INTERVAL_SECONDS: 300,
      AAP_NOTIFICATION_TOKEN: DEV_AAP_NOTIFICATION_TOKEN,
    });
  });

  it.each<[string, NodeJS.ProcessEnv, boolean]>([
    ['the simulator: on by default', {}, true],
    ['the simulator with AAP_NOTIFICATIONS=off', { AAP_NOTIFICATIONS: 'off' }, false],
    [
      'a real AAP: off by default (it changes the user’s AAP)',
      { AAP_URL: 'https://aap.example.com/api', AAP_TOKEN: 't' },
      false,
    ],
    [
      'a real AAP with AAP_NOTIFICATIONS=on',
      { AAP_URL: 'https://aap.example.com/api', AAP_TOKEN: 't', AAP_NOTIFICATIONS: 'on' },
      true,
    ],
  ])('AAP notifications with %s', (_label, env, enabled) => {
    expect(aapNotificationsEnabled(loadLocalSettings(env))).toBe(enabled);
  });

  it('reads AAP_NOTIFICATION_TOKEN', () => {
    expect(loadLocalSettings({ AAP_NOTIFICATION_TOKEN: 'n-token' })).toMatchObject({
      AAP_NOTIFICATION_TOKEN: 'n-token',
    });
  });

  it.each([
    ['PORT', '3001', { PORT: 3001 }],
    ['PORT (0 picks a free port)', '0', { PORT: 0 }],
    ['AAP_SIM_PORT', '18043', { AAP_SIM_PORT: 18043 }],
    ['KUBE_SIM_PORT', '16443', { KUBE_SIM_PORT: 16443 }],
    ['SFN_PORT', '18083', { SFN_PORT: 18083 }],
    ['TIME_SCALE', '0.02', { TIME_SCALE: 0.02 }],
    ['TIME_SCALE at its maximum', '1', { TIME_SCALE: 1 }],
    ['WEBHOOK_SECRET', 's3cr3t-value', { WEBHOOK_SECRET: 's3cr3t-value' }],
    ['RECONCILE_INTERVAL_SECONDS', '60', { RECONCILE_INTERVAL_SECONDS: 60 }],
    ['CLUSTERS_FILE', '/etc/clusters.json', { CLUSTERS_FILE: '/etc/clusters.json' }],
  ])('reads %s', (label, value, expected) => {
    const variable = label.split(' ')[0] as string;
    expect(loadLocalSettings({ [variable]: value })).toMatchObject(expected);
  });

  it('reads AAP_URL and AAP_TOKEN together', () => {
    const settings = loadLocalSettings({ AAP_URL: 'https://aap.example.com/api/controller', AAP_TOKEN: 'tok' });
    expect(settings).toMatchObject({ AAP_URL: 'https://aap.example.com/api/controller', AAP_TOKEN: 'tok' });
  });

  it.each(['', '   '])('treats %j as unset', (blank) => {
    expect(loadLocalSettings({ PORT: blank, TIME_SCALE: blank, AAP_URL: blank })).toMatchObject({
      PORT: 3000,
      TIME_SCALE: 1,
    });
  });

  it.each([
    ['PORT', 'abc', /^invalid setting: PORT must be a TCP port number from 0 to 65535/],
    ['PORT', '70000', /PORT must be a TCP port number from 0 to 65535/],
    ['PORT', '-1', /PORT must be a TCP port number/],
    ['SFN_PORT', '80.5', /SFN_PORT must be a TCP port number/],
    ['KUBE_SIM_PORT', '1e3', /KUBE_SIM_PORT must be a TCP port number/],
    ['TIME_SCALE', '0', /TIME_SCALE must be a number greater than 0 and at most 1/],
    ['TIME_SCALE', '2', /TIME_SCALE must be a number greater than 0 and at most 1/],
    ['TIME_SCALE', 'fast', /TIME_SCALE must be a number greater than 0 and at most 1/],
    ['TIME_SCALE', 'Infinity', /TIME_SCALE must be a number/],
    ['RECONCILE_INTERVAL_SECONDS', '0', /RECONCILE_INTERVAL_SECONDS must be a whole number of seconds, at least 1/],
    ['RECONCILE_INTERVAL_SECONDS', '1.5', /RECONCILE_INTERVAL_SECONDS must be a whole number of seconds/],
    ['AAP_URL', 'not a url', /AAP_URL must be an http\(s\) URL/],
    ['AAP_URL', 'ftp://aap.example.com', /AAP_URL must be an http\(s\) URL/],
    ['AAP_NOTIFICATIONS', 'yes', /^invalid setting: AAP_NOTIFICATIONS must be on or off$/],
  ])('refuses %s=%j with one line naming it', (variable, value, message) => {
    const read = () => loadLocalSettings({ [variable]: value, AAP_TOKEN: variable === 'AAP_URL' ? 't' : undefined });
    expect(read).toThrow(LocalSettingsError);
    expect(read).toThrow(message);
    try {
      read();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it.each([
    ['AAP_URL without AAP_TOKEN', { AAP_URL: 'https://aap.example.com' }, /AAP_TOKEN is missing/],
    ['AAP_TOKEN without AAP_URL', { AAP_TOKEN: 'secret-token' }, /AAP_URL is missing/],
    [
      'two services on one port',
      { PORT: '9000', SFN_PORT: '9000' },
      /PORT and SFN_PORT are both 9000: each service needs a port of its own/,
    ],
    [
      'credentials in AAP_URL',
      { AAP_URL: 'https://admin:pw@aap.example.com', AAP_TOKEN: 't' },
      /AAP_URL must not carry/,
    ],
  ])('refuses %s', (_label, env, message) => {
    expect(() => loadLocalSettings(env)).toThrow(message);
  });

  it('lets several services pick free ports with 0', () => {
    expect(loadLocalSettings({ PORT: '0', AAP_SIM_PORT: '0', KUBE_SIM_PORT: '0', SFN_PORT: '0' })).toMatchObject({
      PORT: 0,
      SFN_PORT: 0,
    });
  });

  it.each([
    ['WEBHOOK_SECRET', 'has a space inside'],
    ['AAP_SIM_TOKEN', 'tab\there'],
    ['KUBE_SIM_TOKEN', 'naïve-token'],
    ['AAP_TOKEN', 'bad token value'],
    ['AAP_NOTIFICATION_TOKEN', 'two words'],
  ])('names a bad %s without ever echoing its value', (variable, value) => {
    const env = { [variable]: value, ...(variable === 'AAP_TOKEN' ? { AAP_URL: 'https://aap.example.com' } : {}) };
    let message = '';
    try {
      loadLocalSettings(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`${variable} must be printable ASCII without spaces`));
    expect(message).not.toContain(value);
  });

  it('reports every bad variable in one line', () => {
    expect(() => loadLocalSettings({ PORT: 'x', TIME_SCALE: '9' })).toThrow(
      /^invalid setting: PORT must be .*; TIME_SCALE must be [^\n]*$/,
    );
  });

  it('documents every variable of the schema, and nothing else, in the help table', () => {
    expect(LOCAL_SETTINGS_HELP.map((row) => row.variable).sort()).toEqual(Object.keys(LocalSettings.shape).sort());
    const table = localSettingsTable();
    expect(table.split('\n')).toHaveLength(Object.keys(LocalSettings.shape).length + 2);
    expect(table).toContain('| `TIME_SCALE` | 1 |');
  });
});

describe('npm start arguments', () => {
  it.each([
    [[], { demo: false, help: false }],
    [['--demo'], { demo: true, help: false }],
    [['--help'], { demo: false, help: true }],
    [['-h', '--demo'], { demo: true, help: true }],
  ])('%j → %j', (argv, expected) => {
    expect(parseStartArguments(argv)).toEqual(expected);
  });

  it.each([['--dmeo'], ['demo'], ['--port=3000']])('refuses %s, naming it', (arg) => {
    expect(() => parseStartArguments([arg])).toThrow(UsageError);
    expect(() => parseStartArguments([arg])).toThrow(`unknown argument "${arg}"`);
  });
});
