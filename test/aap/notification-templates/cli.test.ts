import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  type ConfigureAapDeps,
  cliSecretReader,
  EXIT_AAP_ERROR,
  EXIT_OK,
  EXIT_USAGE,
  parseConfigureAap,
  runConfigureAap,
} from '../../../lib/aap/notification-templates/cli';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { TOKEN } from '../client/harness';
import { DEPROVISION, FakeAwx, PROVISION } from './fake-awx';

const NOTIFICATION_TOKEN = 'ntf-8d1c3e9a7b2f4c60a5e1d9b3f7c2a8e4';
const CALLBACK = 'https://api.example.com/v1/aap/notifications';
const BASE_ENV = {
  AAP_URL: 'https://aap.example.com/api/controller',
  AAP_TOKEN: TOKEN,
  AAP_NOTIFICATION_TOKEN: NOTIFICATION_TOKEN,
};

describe('parseConfigureAap', () => {
  it('reads the flags and the environment; template names follow the tasks’ rule', () => {
    expect(parseConfigureAap(['--callback-url', CALLBACK], BASE_ENV)).toEqual({
      kind: 'run',
      mode: 'configure',
      name: 'cloudkit-provisioner',
      callbackUrl: CALLBACK,
      aapUrl: BASE_ENV.AAP_URL,
      aapToken: TOKEN,
      organization: undefined,
      templateNames: [PROVISION, DEPROVISION],
      notificationToken: { from: 'env', token: NOTIFICATION_TOKEN },
    });
    const other = parseConfigureAap(['--callback-url', CALLBACK, '--name', 'ours'], {
      ...BASE_ENV,
      AAP_TEMPLATE_PREFIX: 'acme',
      AAP_DEPROVISION_TEMPLATE: 'tear-down',
      AAP_ORGANIZATION: '3',
    });
    expect(other).toMatchObject({
      name: 'ours',
      templateNames: ['acme-create-compute-instance', 'tear-down'],
      organization: '3',
    });
  });

  it('takes the token from the secret when no AAP_NOTIFICATION_TOKEN is set', () => {
    const env = {
      ...BASE_ENV,
      AAP_NOTIFICATION_TOKEN: '',
      AAP_NOTIFICATION_SECRET_NAME: 'prod/aap-notification-token',
    };
    expect(parseConfigureAap(['--callback-url', CALLBACK], env)).toMatchObject({
      notificationToken: { from: 'secret', secretName: 'prod/aap-notification-token' },
    });
  });

  it('--remove needs neither the callback URL nor the token', () => {
    const env = { AAP_URL: BASE_ENV.AAP_URL, AAP_TOKEN: TOKEN };
    expect(parseConfigureAap(['--remove'], env)).toMatchObject({
      mode: 'remove',
      callbackUrl: undefined,
      notificationToken: undefined,
    });
  });

  it.each<[string, string[], NodeJS.ProcessEnv, string]>([
    ['no callback URL', [], BASE_ENV, '--callback-url is required'],
    [
      'a relative callback URL',
      ['--callback-url', '/v1/aap/notifications'],
      BASE_ENV,
      '--callback-url is not an absolute URL (got "/v1/aap/notifications")',
    ],
    [
      'an ftp callback URL',
      ['--callback-url', 'ftp://x/y'],
      BASE_ENV,
      '--callback-url must use https (or http locally), not ftp',
    ],
    [
      'credentials in the callback URL',
      ['--callback-url', 'https://u:p@x/y'],
      BASE_ENV,
      '--callback-url must not carry credentials',
    ],
    ['an unknown flag', ['--callback-url', CALLBACK, '--force'], BASE_ENV, 'unknown flag --force'],
    ['a token as a flag', ['--callback-url', CALLBACK, '--token', 'x'], BASE_ENV, '--token: secrets are never flags'],
    ['a flag without its value', ['--callback-url'], BASE_ENV, '--callback-url needs a value'],
    ['a positional argument', ['--callback-url', CALLBACK, 'extra'], BASE_ENV, 'unexpected argument "extra"'],
    ['no AAP_URL', ['--callback-url', CALLBACK], { ...BASE_ENV, AAP_URL: '' }, 'AAP_URL is not set'],
    [
      'AAP_URL without the API path',
      ['--callback-url', CALLBACK],
      { ...BASE_ENV, AAP_URL: 'https://aap.example.com' },
      'AAP_URL: needs the API path',
    ],
    ['no AAP_TOKEN', ['--callback-url', CALLBACK], { ...BASE_ENV, AAP_TOKEN: undefined }, 'AAP_TOKEN is not set'],
    [
      'no notification token',
      ['--callback-url', CALLBACK],
      { ...BASE_ENV, AAP_NOTIFICATION_TOKEN: undefined },
      'set AAP_NOTIFICATION_TOKEN or AAP_NOTIFICATION_SECRET_NAME',
    ],
    [
      'a token with a trailing newline',
      ['--callback-url', CALLBACK],
      { ...BASE_ENV, AAP_NOTIFICATION_TOKEN: 'abc\n' },
      'AAP_NOTIFICATION_TOKEN must be visible ASCII',
    ],
    [
      'a template prefix of two words',
      ['--callback-url', CALLBACK],
      { ...BASE_ENV, AAP_TEMPLATE_PREFIX: 'a b' },
      'AAP_TEMPLATE_PREFIX',
    ],
  ])('%s is refused, naming what is wrong', (_name, argv, env, message) => {
    expect(() => parseConfigureAap(argv, env)).toThrow(message);
  });

  it('never echoes a token it refuses', () => {
    const secret = 'tok en-with-a-space';
    expect(() =>
      parseConfigureAap(['--callback-url', CALLBACK], { ...BASE_ENV, AAP_NOTIFICATION_TOKEN: secret }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }));
  });
});

describe('runConfigureAap against AAP', () => {
  let server: AapFixtureServer;
  beforeAll(async () => {
    server = await AapFixtureServer.start();
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  function io(readSecret: ConfigureAapDeps['readSecret'] = async () => NOTIFICATION_TOKEN) {
    const out: string[] = [];
    const err: string[] = [];
    const deps: ConfigureAapDeps = {
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      readSecret,
      sleep: async () => undefined,
    };
    return { out, err, deps };
  }
  const env = () => ({ ...BASE_ENV, AAP_URL: `${server.origin}/api/controller` });

  it('configures, then says "already configured"; exit 0 both times, the token never printed', async () => {
    const awx = new FakeAwx(server, '/api/controller');
    const first = io();
    await expect(runConfigureAap(['--callback-url', CALLBACK], env(), first.deps)).resolves.toBe(EXIT_OK);
    expect(first.out).toHaveLength(5);
    expect(first.out[0]).toMatch(/^created notification template "cloudkit-provisioner" \(id 9\)/);
    expect(awx.attachedTo('workflow_job_templates', 12, 'error')).toEqual([9]);

    const second = io();
    await expect(runConfigureAap(['--callback-url', CALLBACK], env(), second.deps)).resolves.toBe(EXIT_OK);
    expect(second.out).toEqual([expect.stringMatching(/^already configured: /)]);
    expect([...first.out, ...second.out, ...first.err, ...second.err].join('\n')).not.toContain(NOTIFICATION_TOKEN);

    const removed = io();
    await expect(runConfigureAap(['--remove'], { ...env(), AAP_NOTIFICATION_TOKEN: '' }, removed.deps)).resolves.toBe(
      EXIT_OK,
    );
    expect(removed.out.filter((line) => line.startsWith('detached'))).toHaveLength(4);
  });

  it('reads the token from the secret named by AAP_NOTIFICATION_SECRET_NAME', async () => {
    const awx = new FakeAwx(server, '/api/controller');
    const asked: string[] = [];
    const { deps } = io(async (name) => {
      asked.push(name);
      return `${NOTIFICATION_TOKEN}\n`;
    });
    const fromSecret = { ...env(), AAP_NOTIFICATION_TOKEN: '', AAP_NOTIFICATION_SECRET_NAME: 'dev/aap-notifications' };
    await expect(runConfigureAap(['--callback-url', CALLBACK], fromSecret, deps)).resolves.toBe(EXIT_OK);
    expect(asked).toEqual(['dev/aap-notifications']);
    expect(awx.notificationTemplates[0]?.notification_configuration).toMatchObject({
      headers: { Authorization: `Bearer ${NOTIFICATION_TOKEN}` },
    });
  });

  it('exit 1 naming the secret when it cannot be read', async () => {
    const { err, deps } = io(async () => {
      throw Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
        name: 'ResourceNotFoundException',
      });
    });
    const fromSecret = { ...env(), AAP_NOTIFICATION_TOKEN: '', AAP_NOTIFICATION_SECRET_NAME: 'dev/missing' };
    await expect(runConfigureAap(['--callback-url', CALLBACK], fromSecret, deps)).resolves.toBe(EXIT_AAP_ERROR);
    expect(err).toEqual([
      'cloudkit-provisioner configure-aap: cannot read secret dev/missing (AAP_NOTIFICATION_SECRET_NAME): ResourceNotFoundException',
    ]);
  });

  it("exit 1 with the secret reader's reason (never the value) when the one secret reader refuses", async () => {
    // The real reader over the SDK transport (a shell has no extension), pointed at nothing: its SecretReadError.
    const previous = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
    });
    try {
      const fromSecret = { ...env(), AAP_NOTIFICATION_TOKEN: '', AAP_NOTIFICATION_SECRET_NAME: 'dev/unreachable' };
      const { err, deps } = io(cliSecretReader(fromSecret));
      await expect(runConfigureAap(['--callback-url', CALLBACK], fromSecret, deps)).resolves.toBe(EXIT_AAP_ERROR);
      expect(err).toEqual([
        expect.stringMatching(
          /^cloudkit-provisioner configure-aap: secret dev\/unreachable: cannot be read: .*ECONNREFUSED.* \(AAP_NOTIFICATION_SECRET_NAME\)$/,
        ),
      ]);
    } finally {
      process.env = previous;
    }
  });

  it('cliSecretReader takes the extension only where its port is set', async () => {
    const { startSecretsExtension } = await import('../../../local/gateway');
    const extension = await startSecretsExtension({
      port: 0,
      sessionToken: 'session',
      secretString: (name) => (name === 'dev/aap-notifications' ? NOTIFICATION_TOKEN : undefined),
    });
    try {
      const read = cliSecretReader({
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
        AWS_SESSION_TOKEN: 'session',
      });
      expect(await read('dev/aap-notifications')).toBe(NOTIFICATION_TOKEN);
      expect(extension.reads('dev/aap-notifications')).toBe(1);
    } finally {
      await extension.close();
    }
  });

  it("exit 1 naming the AAP call and AAP's message; a token AAP echoes is masked", async () => {
    new FakeAwx(server, '/api/controller');
    server.on('POST', '/api/controller/v2/notification_templates/', {
      status: 400,
      body: { notification_configuration: [`Bad header value Bearer ${NOTIFICATION_TOKEN}`] },
    });
    const { out, err, deps } = io();
    await expect(runConfigureAap(['--callback-url', CALLBACK], env(), deps)).resolves.toBe(EXIT_AAP_ERROR);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'cloudkit-provisioner configure-aap: POST /api/controller/v2/notification_templates/ answered HTTP 400: notification_configuration: Bad header value Bearer ****',
    ]);
  });

  it('exit 1 when AAP refuses the token', async () => {
    server.on('GET', '/api/controller/v2/job_templates/', {
      status: 401,
      body: { detail: 'Authentication credentials were not provided.' },
    });
    const { err, deps } = io();
    await expect(runConfigureAap(['--callback-url', CALLBACK], env(), deps)).resolves.toBe(EXIT_AAP_ERROR);
    expect(err[0]).toContain('AAP did not accept the token for GET /api/controller/v2/job_templates/');
  });

  it('exit 2 with the reason and a pointer to --help; --help prints the usage', async () => {
    const bad = io();
    await expect(runConfigureAap([], env(), bad.deps)).resolves.toBe(EXIT_USAGE);
    expect(bad.err).toEqual([
      'cloudkit-provisioner configure-aap: --callback-url is required (see cloudkit-provisioner configure-aap --help)',
    ]);
    const help = io();
    await expect(runConfigureAap(['--help'], {}, help.deps)).resolves.toBe(EXIT_OK);
    expect(help.out[0]).toMatch(/^Usage: cloudkit-provisioner configure-aap --callback-url <url>/);
  });
});

describe('bin/cloudkit-provisioner.ts configure-aap', () => {
  it('runs the command: a missing setting ends with exit 2 naming it', async () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(root, 'bin', 'cloudkit-provisioner.ts'),
        'configure-aap',
        '--callback-url',
        CALLBACK,
      ],
      { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain('AAP_URL is not set');
  });
});
