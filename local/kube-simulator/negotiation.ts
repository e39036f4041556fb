import { AGGREGATED_DISCOVERY_VERSIONS, type AggregatedDiscoveryVersion } from './discovery';

/**
 * Accept-header negotiation for the representations the simulator serves: plain JSON, `meta.k8s.io` Tables
 * (kubectl get) and aggregated discovery lists (kubectl's first discovery request).
 */

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {}, q: 1 }];
  const ranges = header.split(',').map((part, position) => {
    const [type = '', ...rawParams] = part.split(';').map((piece) => piece.trim());
    const params: Record<string, string> = {};
    for (const raw of rawParams) {
      const [key, value = ''] = raw.split('=');
      if (key) params[key.trim()] = value.trim().replace(/^"|"$/g, '');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    delete params.q;
    return { type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q, position };
  });
  return ranges
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q || a.position - b.position)
    .map(({ position: _position, ...range }) => range);
}

const isJsonish = (type: string): boolean => type === 'application/json' || type === '*/*' || type === 'application/*';

export type Representation =
  | { kind: 'json' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'discovery'; version: AggregatedDiscoveryVersion };

/**
 * The first representation in the client's order of preference that this endpoint can produce. Falls back to
 * JSON, which every Kubernetes client accepts.
 */
export function negotiate(header: string | undefined, allow: { table?: boolean; discovery?: boolean }): Representation {
  for (const range of parseAccept(header)) {
    const as = range.params.as;
    if (as === undefined && Object.keys(range.params).length === 0) {
      if (isJsonish(range.type)) return { kind: 'json' };
      continue;
    }
    if (range.type !== 'application/json') continue;
    if (allow.table && as === 'Table' && range.params.g === 'meta.k8s.io') {
      if (range.params.v === 'v1' || range.params.v === 'v1beta1') return { kind: 'table', version: range.params.v };
    }
    if (allow.discovery && as === 'APIGroupDiscoveryList' && range.params.g === 'apidiscovery.k8s.io') {
      const version = AGGREGATED_DISCOVERY_VERSIONS.find((candidate) => candidate === range.params.v);
      if (version) return { kind: 'discovery', version };
    }
  }
  return { kind: 'json' };
}

/** The media type of a request body, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
