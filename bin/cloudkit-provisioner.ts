/**
 * The cloudkit-provisioner command line. `forward` runs the cluster forwarder (see forwarder/src/cli.ts):
 *   npx tsx bin/cloudkit-provisioner.ts forward --url https://webhook.example.com --cluster dev
 */
import { main } from '../forwarder/src/cli';

main(process.argv.slice(2), process.env).then(
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
