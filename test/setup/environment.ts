import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import NodeEnvironment from 'jest-environment-node';

/**
 * `@kubernetes/client-node` 2.x (and several of its dependencies) ship ESM only. Node 22 can `require()` them
 * natively, but jest's CommonJS module registry cannot before Node 24.9, and our runtime is Node 22 (Lambda
 * nodejs22.x). So this environment, which runs on Node's real `require` outside the test sandbox, loads the library
 * once and hands it to the sandbox; `jest.config.js` maps the module name onto it. The library then lives in the
 * outer realm: its errors are not `instanceof` the sandbox's Error, which is why lib/k8s reads errors by shape.
 */
export default class ProjectEnvironment extends NodeEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.global.__nativeClientNode = require('@kubernetes/client-node');
  }
}
