import { API_VERSION, type ComputeInstance, PLURAL, parseComputeInstance } from '../../lib/computeinstance';

/**
 * The demo's hands: it changes ComputeInstances the way a user does, over the cluster's HTTP API with a bearer
 * token (what kubectl sends), so every change reaches the system through the watch like any other.
 */

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class KubeApi {
  readonly #server: string;
  readonly #token: string;

  constructor(server: string, token: string) {
    this.#server = server.replace(/\/+$/, '');
    this.#token = token;
  }

  #url(namespace: string, name?: string): string {
    const collection = `${this.#server}/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
    return name === undefined ? collection : `${collection}/${encodeURIComponent(name)}`;
  }

  async #request(
    what: string,
    method: string,
    url: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new KubeApiError(response.status, `${what}: HTTP ${response.status} with a body that is not JSON`);
    }
    return { status: response.status, body: parsed };
  }

  #fail(what: string, status: number, body: unknown): never {
    // A metav1.Status names the problem; it never holds the token (that travels in a header).
    const message = (body as { message?: unknown } | undefined)?.message;
    throw new KubeApiError(status, `${what}: HTTP ${status}${typeof message === 'string' ? ` ${message}` : ''}`);
  }

  async create(object: ComputeInstance): Promise<ComputeInstance> {
    const { namespace, name } = object.metadata;
    const what = `create ${namespace}/${name}`;
    const response = await this.#request(what, 'POST', this.#url(namespace), object);
    if (response.status !== 201) this.#fail(what, response.status, response.body);
    return parseComputeInstance(response.body);
  }

  async get(namespace: string, name: string): Promise<ComputeInstance | undefined> {
    const what = `get ${namespace}/${name}`;
    const response = await this.#request(what, 'GET', this.#url(namespace, name));
    if (response.status === 404) return undefined;
    if (response.status !== 200) this.#fail(what, response.status, response.body);
    return parseComputeInstance(response.body);
  }

  /** A JSON merge patch of `spec` (kubectl patch --type merge). */
  async patchSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<ComputeInstance> {
    const what = `patch ${namespace}/${name}`;
    const url = this.#url(namespace, name);
    const response = await this.#request(what, 'PATCH', url, { spec }, 'application/merge-patch+json');
    if (response.status !== 200) this.#fail(what, response.status, response.body);
    return parseComputeInstance(response.body);
  }

  async delete(namespace: string, name: string): Promise<void> {
    const what = `delete ${namespace}/${name}`;
    const response = await this.#request(what, 'DELETE', this.#url(namespace, name));
    if (response.status !== 200 && response.status !== 202) this.#fail(what, response.status, response.body);
  }
}
