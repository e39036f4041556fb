import { sampleSpec } from '../../../../local/fixtures/sample-instance';
import {
  type JsonObject,
  type KubeSimulator,
  type KubeSimulatorOptions,
  startKubeSimulator,
} from '../../../../local/kube-simulator';
import { UPSTREAM_CRD, UPSTREAM_TENANT_CRD } from '../../../support/fixtures';

/** Helpers shared by the simulator suites: a simulator on the upstream CRD, raw HTTP, sample objects. */

export { UPSTREAM_CRD, UPSTREAM_TENANT_CRD };
export const GROUP = 'osac.openshift.io';
export const VERSION = 'v1alpha1';
export const PLURAL = 'computeinstances';
export const NS = 'osac-computeinstance';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const COLLECTION = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`;

export function startSim(options: KubeSimulatorOptions = {}): Promise<KubeSimulator> {
  return startKubeSimulator({ crdPaths: [UPSTREAM_CRD], namespaces: [NS], ...options });
}

export function computeInstance(name: string, spec: JsonObject = {}, metadata: JsonObject = {}): JsonObject {
  return {
    apiVersion: API_VERSION,
    kind: 'ComputeInstance',
    metadata: { name, ...metadata },
    // Any JSON on top of the sample spec: the validation suites send what the CRD must refuse.
    spec: { ...sampleSpec(), ...spec } as JsonObject,
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field in assertions
  body: any;
}

/** A request with the simulator's token (unless `token` says otherwise), body JSON-encoded unless a string. */
export async function raw(
  sim: KubeSimulator,
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; token?: string | null; accept?: string } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? sim.token : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.accept) headers.Accept = options.accept;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${sim.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}
