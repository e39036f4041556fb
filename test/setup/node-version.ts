// Every test file runs on the Node the Lambda runtime uses; a stray system Node 20 must not pass silently.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 22) {
  throw new Error(
    `tests must run on Node 22 (Lambda nodejs22.x), got ${process.versions.node}; run them with npm test`,
  );
}

// Lambda handlers log JSON lines through Powertools; keep test output readable unless asked for (LOG_LEVEL=DEBUG).
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'CloudkitProvisionerTest';
// Metrics are still recorded (addMetric runs); only the EMF lines on stdout are left out of test output.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_SERVICE_NAME ??= 'cloudkit-provisioner';
