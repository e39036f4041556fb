import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../../lib/config/settings';
import { createWorkflowContext } from '../../lib/workflow/context';
import { type SecretsExtension, startSecretsExtension } from '../../local/gateway';

/**
 * The task functions' secrets as deployed: the AAP token and the clusters document, both read through the secrets
 * extension (its stand-in) by one reader, each once per SECRETS_MAX_AGE_SECONDS.
 */
describe('the workflow context reads its secrets through the extension', () => {
  const SESSION = 'session-of-this-invocation';
  const AAP_TOKEN_SECRET = 'cloudkit-provisioner/ci/aap-token';
  const CLUSTERS_SECRET = 'cloudkit-provisioner/ci/clusters';
  const secrets = new Map<string, string>();
  let extension: SecretsExtension;
  let aap: Server;
  const authorizations: string[] = [];

  beforeAll(async () => {
    extension = await startSecretsExtension({ port: 0, sessionToken: SESSION, secretString: (n) => secrets.get(n) });
    // Records the bearer token each AAP call carries; answers "no such job".
    aap = createServer((req, res) => {
      authorizations.push(req.headers.authorization ?? '');
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"detail":"Not found."}');
    });
    await new Promise<void>((resolve) => aap.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await extension.close();
    await new Promise((resolve) => aap.close(resolve));
  });

  function context() {
    const env = {
      AAP_URL: `http://127.0.0.1:${(aap.address() as AddressInfo).port}/api/controller`,
      AAP_TOKEN_SECRET_NAME: AAP_TOKEN_SECRET,
      CLUSTERS_SECRET_NAME: CLUSTERS_SECRET,
      SECRETS_MAX_AGE_SECONDS: '300',
      PROVISION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:p',
      DEPROVISION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:d',
      AWS_REGION: 'us-east-1',
    };
    const previous = { ...process.env };
    // The reader takes its transport (and, per read, the port and session token) from the function's environment.
    Object.assign(process.env, {
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      AWS_SESSION_TOKEN: SESSION,
    });
    return { ctx: createWorkflowContext(loadSettings(env)), restore: () => (process.env = previous) };
  }

  it('sends the AAP token the secret holds, read once per max age, and reads the clusters from theirs', async () => {
    secrets.set(AAP_TOKEN_SECRET, 'aap-token-from-the-secret\n');
    secrets.set(
      CLUSTERS_SECRET,
      JSON.stringify({ clusters: [{ id: 'dev', server: 'https://api.dev:6443', token: 'kube-token' }] }),
    );
    const { ctx, restore } = context();
    try {
      await ctx.aap.getJob({ id: 1, kind: 'job' }).catch(() => undefined);
      await ctx.aap.getJob({ id: 2, kind: 'job' }).catch(() => undefined);
      expect(authorizations.length).toBeGreaterThanOrEqual(2);
      expect(new Set(authorizations)).toEqual(new Set(['Bearer aap-token-from-the-secret']));
      expect(extension.reads(AAP_TOKEN_SECRET)).toBe(1);
      expect((await ctx.clusters.get('dev'))?.server).toBe('https://api.dev:6443');
      expect(extension.reads(CLUSTERS_SECRET)).toBe(1);
    } finally {
      restore();
    }
  });
});
