// The real @kubernetes/client-node, loaded natively by test/setup/environment.ts (see there for why).
module.exports = globalThis.__nativeClientNode;
