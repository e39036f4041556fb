// npm scripts put node_modules/.bin first on PATH, so the `node@22` devDependency is what runs here.
// Fail loudly if that is not so: the Lambda runtime is nodejs22.x and our tests must match it.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 22) {
  console.error(
    `cloudkit-provisioner needs Node 22 (Lambda nodejs22.x); this is Node ${process.versions.node}. Run it through npm scripts.`,
  );
  process.exit(1);
}
console.log(`Node ${process.versions.node} (Lambda runtime nodejs22.x)`);
