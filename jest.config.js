/** Jest on @swc/jest: type checking is `tsc --noEmit`'s job, the transformer only strips types. */
module.exports = {
  testEnvironment: '<rootDir>/test/setup/environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    // ESM-only with ESM-only dependencies: loaded natively by the test environment instead.
    '^@kubernetes/client-node$': '<rootDir>/test/setup/native/client-node.js',
  },
  setupFiles: ['<rootDir>/test/setup/node-version.ts'],
  testTimeout: 30000,
  // Two cores in CI: keep workers bounded so simulator-backed suites do not starve each other.
  maxWorkers: 2,
};
