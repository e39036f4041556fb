/**
 * The cloudkit-provisioner command line.
 * `forward` runs the cluster forwarder (see forwarder/src/cli.ts):
 *   npx tsx bin/cloudkit-provisioner.ts forward --url https://webhook.example.com --cluster dev
 * `configure-aap` makes AAP notify the receiver when a job ends (see lib/aap/notification-templates/cli.ts):
 *   npx tsx bin/cloudkit-provisioner.ts configure-aap --callback-url https://api.example.com/v1/aap/notifications
 */

async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'configure-aap') {
    // Loaded only for this command: the forwarder's image needs none of it.
    const { cliSecretReader, runConfigureAap } = await import('../lib/aap/notification-templates/cli');
    return runConfigureAap(argv.slice(1), process.env, {
      stdout: (line) => process.stdout.write(`${line}\n`),
      stderr: (line) => process.stderr.write(`${line}\n`),
      readSecret: cliSecretReader(),
    });
  }
  const { main } = await import('../forwarder/src/cli');
  return main(argv, process.env);
}

run(process.argv.slice(2)).then(
  (code) => {
    // Explicit: idle keep-alive sockets of the HTTP clients must not hold a stopped forwarder open.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `cloudkit-provisioner: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
