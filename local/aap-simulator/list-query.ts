/**
 * AWX list semantics, pure: django-ansible-base field lookups (`name=`, `id__in=`, `not__`/`or__` prefixes),
 * `order_by`, `search`, and AWX's page-number pagination with its relative, key-sorted next/previous links.
 */
import { type DjangoDateTime, parseDjangoDateTime, quotePlus } from './wire-format';

export type FieldKind = 'int' | 'float' | 'string' | 'bool' | 'datetime';
type FieldValue = number | string | boolean | null;

export interface FieldDef<T> {
  kind: FieldKind;
  get: (item: T) => FieldValue;
}

export interface ListResource<T> {
  /** Django model name, as error messages print it (`JobTemplate`, `Job`, …). */
  model: string;
  fields: Readonly<Record<string, FieldDef<T>>>;
  searchFields: readonly string[];
  /** `prevent_search` fields: filtering on them is refused with 403. */
  preventSearch: readonly string[];
  defaultOrder: readonly string[];
  id: (item: T) => number;
}

export interface ListPage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
  countDisabled: boolean;
}

export type ListOutcome<T> = { ok: true; page: ListPage<T> } | { ok: false; status: 400 | 403 | 404; detail: string };

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;

const RESERVED_PARAMS = new Set([
  'page',
  'page_size',
  'format',
  'order',
  'order_by',
  'search',
  'type',
  'host_filter',
  'count_disabled',
  'no_truncate',
  'limit',
  'validate',
]);
const LOOKUPS = new Set([
  'exact',
  'iexact',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'regex',
  'iregex',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'isnull',
]);
const DJANGO_FIELD_CLASS: Record<FieldKind, string> = {
  int: 'IntegerField',
  float: 'FloatField',
  string: 'CharField',
  bool: 'BooleanField',
  datetime: 'DateTimeField',
};

class QueryError extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    detail: string,
  ) {
    super(detail);
  }
}

type Predicate<T> = (item: T) => boolean;

function convert(fieldName: string, kind: FieldKind, raw: string): number | string | boolean {
  switch (kind) {
    case 'int':
      if (!/^\s*[+-]?\d+\s*$/.test(raw))
        throw new QueryError(400, `Field '${fieldName}' expected a number but got '${raw}'.`);
      return Number(raw);
    case 'float': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw new QueryError(400, `“${raw}” value must be a float.`);
      return value;
    }
    case 'bool': {
      const lowered = raw.toLowerCase();
      if (['true', '1', 't'].includes(lowered)) return true;
      if (['false', '0', 'f'].includes(lowered)) return false;
      throw new QueryError(400, `Unable to convert "${raw}" to boolean`);
    }
    case 'datetime': {
      const parsed = parseDjangoDateTime(raw);
      if (!parsed.ok) throw new QueryError(400, validationErrorDetail(DATETIME_ERRORS[parsed.problem](raw)));
      return parsed.epochMs;
    }
    case 'string':
      return raw;
  }
}

/** Django `DateTimeField` error messages, by what was wrong with the value. */
const DATETIME_ERRORS: Record<Extract<DjangoDateTime, { ok: false }>['problem'], (raw: string) => string> = {
  format: (raw) => `“${raw}” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.`,
  datetime: (raw) =>
    `“${raw}” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time.`,
  date: (raw) => `“${raw}” value has the correct format (YYYY-MM-DD) but it is an invalid date.`,
};

/**
 * A Django ValidationError raised while the filter is applied reaches the client as
 * `ParseError(json.dumps(e.messages, ensure_ascii=False))`: the detail is a JSON list in a string.
 */
function validationErrorDetail(message: string): string {
  return JSON.stringify([message]);
}

/** Datetimes compare as epoch milliseconds (microseconds kept); serializers hand them over as AWX datetimes. */
function comparable(kind: FieldKind, value: FieldValue): FieldValue {
  if (kind !== 'datetime' || typeof value !== 'string') return value;
  const parsed = parseDjangoDateTime(value);
  return parsed.ok ? parsed.epochMs : null;
}

function lookupPredicate<T>(fieldName: string, field: FieldDef<T>, lookup: string, raw: string): Predicate<T> {
  const value = (item: T) => comparable(field.kind, field.get(item));
  const text = (item: T) => {
    const v = field.get(item);
    return v === null ? null : String(v);
  };
  const isNullWord = raw === 'None' || raw === 'null';
  switch (lookup) {
    case 'exact': {
      if (isNullWord) return (item) => field.get(item) === null;
      const wanted = convert(fieldName, field.kind, raw);
      return (item) => value(item) === wanted;
    }
    case 'iexact':
      return (item) => text(item)?.toLowerCase() === raw.toLowerCase();
    case 'contains':
      return (item) => text(item)?.includes(raw) ?? false;
    case 'icontains':
      return (item) => text(item)?.toLowerCase().includes(raw.toLowerCase()) ?? false;
    case 'startswith':
      return (item) => text(item)?.startsWith(raw) ?? false;
    case 'istartswith':
      return (item) => text(item)?.toLowerCase().startsWith(raw.toLowerCase()) ?? false;
    case 'endswith':
      return (item) => text(item)?.endsWith(raw) ?? false;
    case 'iendswith':
      return (item) => text(item)?.toLowerCase().endsWith(raw.toLowerCase()) ?? false;
    case 'regex':
    case 'iregex': {
      let pattern: RegExp;
      try {
        pattern = new RegExp(raw, lookup === 'iregex' ? 'i' : '');
      } catch (error) {
        throw new QueryError(400, `invalid regular expression '${raw}': ${(error as Error).message}`);
      }
      return (item) => {
        const t = text(item);
        return t !== null && pattern.test(t);
      };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const bound = convert(fieldName, field.kind, raw);
      return (item) => {
        const v = value(item);
        if (v === null) return false;
        if (lookup === 'gt') return v > bound;
        if (lookup === 'gte') return v >= bound;
        if (lookup === 'lt') return v < bound;
        return v <= bound;
      };
    }
    case 'in': {
      const parts = raw.split(',').filter((part) => part !== '');
      if (parts.length === 0) throw new QueryError(400, 'cannot provide empty value for __in');
      const wanted = new Set(parts.map((part) => convert(fieldName, field.kind, part)));
      return (item) => {
        const v = value(item);
        return v !== null && wanted.has(v);
      };
    }
    case 'isnull': {
      const wantNull = convert(fieldName, 'bool', raw);
      return (item) => (field.get(item) === null) === wantNull;
    }
    default:
      throw new QueryError(400, `unsupported lookup '${lookup}'`);
  }
}

/** One query parameter → predicate, with the `not__`/`or__`/`chain__` prefixes peeled off. */
function parseFilter<T>(resource: ListResource<T>, key: string, raw: string): { predicate: Predicate<T>; or: boolean } {
  let parts = key.split('__');
  let negate = false;
  let or = false;
  while (parts.length > 1 && ['not', 'or', 'chain'].includes(parts[0] ?? '')) {
    if (parts[0] === 'not') negate = !negate;
    if (parts[0] === 'or') or = true;
    parts = parts.slice(1);
  }
  const head = parts[0] ?? key;
  if (resource.preventSearch.includes(head)) throw new QueryError(403, `Filtering on ${head} is not allowed.`);
  for (let split = parts.length; split >= 1; split -= 1) {
    const fieldName = parts.slice(0, split).join('__');
    const field = resource.fields[fieldName];
    if (!field) continue;
    const rest = parts.slice(split);
    const lookup = rest.length === 0 ? 'exact' : rest.join('__');
    if (!LOOKUPS.has(lookup)) {
      throw new QueryError(
        400,
        `Unsupported lookup '${lookup}' for ${DJANGO_FIELD_CLASS[field.kind]} or join on the field not permitted.`,
      );
    }
    const predicate = lookupPredicate(fieldName, field, lookup, raw);
    return { predicate: negate ? (item) => !predicate(item) : predicate, or };
  }
  throw new QueryError(400, `${resource.model} has no field named '${head}'`);
}

function buildFilter<T>(resource: ListResource<T>, query: URLSearchParams): Predicate<T> {
  const all: Predicate<T>[] = [];
  const any: Predicate<T>[] = [];
  for (const [key, raw] of query) {
    if (key === 'search') {
      const terms = raw.split(',').filter((term) => term !== '');
      all.push((item) =>
        terms.every((term) =>
          resource.searchFields.some((name) =>
            String(resource.fields[name]?.get(item) ?? '')
              .toLowerCase()
              .includes(term.toLowerCase()),
          ),
        ),
      );
      continue;
    }
    if (RESERVED_PARAMS.has(key)) continue;
    const { predicate, or } = parseFilter(resource, key, raw);
    (or ? any : all).push(predicate);
  }
  return (item) => all.every((p) => p(item)) && (any.length === 0 || any.some((p) => p(item)));
}

/** Postgres order: NULLs sort last ascending, first descending; ties fall back to id for a stable page order. */
function buildComparator<T>(resource: ListResource<T>, query: URLSearchParams): (a: T, b: T) => number {
  const spec = query.get('order_by') ?? query.get('order');
  const terms = spec ? spec.split(',').map((term) => term.trim()) : [...resource.defaultOrder];
  const keys = terms
    .filter((term) => term !== '')
    .map((term) => {
      const descending = term.startsWith('-');
      const name = descending ? term.slice(1) : term;
      const field = resource.fields[name];
      if (!field) throw new QueryError(400, `${resource.model} has no field named '${name}'`);
      return { field, descending };
    });
  return (a, b) => {
    for (const { field, descending } of keys) {
      const x = comparable(field.kind, field.get(a));
      const y = comparable(field.kind, field.get(b));
      if (x === y) continue;
      let order: number;
      if (x === null) order = 1;
      else if (y === null) order = -1;
      else order = x < y ? -1 : 1;
      return descending ? -order : order;
    }
    return resource.id(a) - resource.id(b);
  };
}

/** DRF `_positive_int(strict=True, cutoff=MAX)`: 0, negatives and garbage fall back to the default. */
function pageSizeOf(query: URLSearchParams): { size: number; capped: boolean } {
  const raw = query.get('page_size');
  if (raw === null || !/^\s*\+?\d+\s*$/.test(raw) || Number(raw) <= 0)
    return { size: DEFAULT_PAGE_SIZE, capped: false };
  const requested = Number(raw);
  return requested > MAX_PAGE_SIZE ? { size: MAX_PAGE_SIZE, capped: true } : { size: requested, capped: false };
}

function pageNumberOf(query: URLSearchParams, pageCount: number): number {
  const raw = query.get('page') ?? '1';
  if (raw === 'last') return pageCount;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new QueryError(404, 'Invalid page.');
  const page = Number(raw);
  if (page < 1 || page > pageCount) throw new QueryError(404, 'Invalid page.');
  return page;
}

/** DRF `replace_query_param`: the request's own path and query, `page` replaced, keys sorted, quote_plus encoded. */
function pageLink(pathname: string, query: URLSearchParams, page: number, cappedSize: number | null): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of query) grouped.set(key, [...(grouped.get(key) ?? []), value]);
  grouped.set('page', [String(page)]);
  if (cappedSize !== null) grouped.set('page_size', [String(cappedSize)]);
  const encoded = [...grouped.keys()]
    .sort()
    .flatMap((key) => (grouped.get(key) ?? []).map((value) => `${quotePlus(key)}=${quotePlus(value)}`));
  return `${pathname}?${encoded.join('&')}`;
}

export function runListQuery<T>(
  items: readonly T[],
  resource: ListResource<T>,
  query: URLSearchParams,
  pathname: string,
): ListOutcome<T> {
  try {
    const matching = items.filter(buildFilter(resource, query)).sort(buildComparator(resource, query));
    const { size, capped } = pageSizeOf(query);
    const pageCount = Math.max(1, Math.ceil(matching.length / size));
    const page = pageNumberOf(query, pageCount);
    const link = (target: number) => pageLink(pathname, query, target, capped ? size : null);
    return {
      ok: true,
      page: {
        count: matching.length,
        next: page < pageCount ? link(page + 1) : null,
        previous: page > 1 ? link(page - 1) : null,
        results: matching.slice((page - 1) * size, page * size),
        countDisabled: query.has('count_disabled'),
      },
    };
  } catch (error) {
    if (error instanceof QueryError) return { ok: false, status: error.status, detail: error.message };
    throw error;
  }
}
