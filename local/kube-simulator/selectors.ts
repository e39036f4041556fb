import { isJsonObject, type JsonObject } from './json';

/**
 * Label and field selectors as the API server parses them (`app=web,tier!=db,env in (a,b),!legacy`, and
 * `metadata.name=x`). Parse errors are thrown as SelectorError with a message naming the selector.
 */

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export type LabelRequirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

type Predicate = (object: JsonObject) => boolean;

const VALUE_CHARS = /[A-Za-z0-9\-_./]/;

function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = object.metadata;
  const labels = isJsonObject(metadata) ? metadata.labels : undefined;
  return isJsonObject(labels) ? (labels as Record<string, string>) : {};
}

class LabelSelectorParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  private fail(expected: string): never {
    const found = this.pos < this.text.length ? `'${this.text.slice(this.pos)}'` : 'end of string';
    throw new SelectorError(`unable to parse requirement: found ${found}, expected: ${expected}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private word(): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && VALUE_CHARS.test(this.text[this.pos] ?? '')) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private accept(token: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private acceptKeyword(keyword: string): boolean {
    this.skipSpace();
    const after = this.text[this.pos + keyword.length] ?? ' ';
    if (this.text.startsWith(keyword, this.pos) && !VALUE_CHARS.test(after)) {
      this.pos += keyword.length;
      return true;
    }
    return false;
  }

  private valueSet(): string[] {
    if (!this.accept('(')) this.fail('(');
    const values: string[] = [];
    for (;;) {
      values.push(this.word());
      if (this.accept(')')) return values;
      if (!this.accept(',')) this.fail("',' or ')'");
    }
  }

  private requirement(): LabelRequirement {
    if (this.accept('!')) {
      const key = this.word();
      if (!key) this.fail('identifier');
      return { key, op: '!exists' };
    }
    const key = this.word();
    if (!key) this.fail('identifier');
    if (this.accept('==') || this.accept('=')) return { key, op: 'in', values: [this.word()] };
    if (this.accept('!=')) return { key, op: 'notin', values: [this.word()] };
    if (this.acceptKeyword('notin')) return { key, op: 'notin', values: this.valueSet() };
    if (this.acceptKeyword('in')) return { key, op: 'in', values: this.valueSet() };
    for (const [token, op] of [
      ['>', 'gt'],
      ['<', 'lt'],
    ] as const) {
      if (this.accept(token)) {
        const text = this.word();
        if (!/^-?\d+$/.test(text))
          throw new SelectorError(`unable to parse requirement: for '${token}', '${text}' is not an integer`);
        return { key, op, value: Number(text) };
      }
    }
    this.skipSpace();
    if (this.pos >= this.text.length || this.text[this.pos] === ',') return { key, op: 'exists' };
    return this.fail("'=', '!=', '==', 'in', 'notin', '>', '<' or ','");
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    this.skipSpace();
    if (this.pos >= this.text.length) return requirements;
    for (;;) {
      requirements.push(this.requirement());
      this.skipSpace();
      if (this.pos >= this.text.length) return requirements;
      if (!this.accept(',')) this.fail("','");
    }
  }
}

export function parseLabelSelector(selector: string): LabelRequirement[] {
  return new LabelSelectorParser(selector).parse();
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string>): boolean {
  return requirements.every((requirement) => {
    const present = Object.hasOwn(labels, requirement.key);
    const value = labels[requirement.key];
    switch (requirement.op) {
      case 'exists':
        return present;
      case '!exists':
        return !present;
      case 'in':
        return present && requirement.values.includes(value ?? '');
      case 'notin':
        return !present || !requirement.values.includes(value ?? '');
      case 'gt':
      case 'lt': {
        if (!present || !/^-?\d+$/.test(value ?? '')) return false;
        const number = Number(value);
        return requirement.op === 'gt' ? number > requirement.value : number < requirement.value;
      }
    }
    return false;
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Splits on an unescaped separator; `\,` `\=` and `\\` are the field selector escapes. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] ?? '');
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const unescapeSelector = (text: string): string => text.replace(/\\(.)/g, '$1');

export function parseFieldSelector(selector: string, supportedFields: readonly string[]): FieldRequirement[] {
  if (selector.trim() === '') return [];
  return splitUnescaped(selector, ',').map((term) => {
    const match = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/s.exec(term.trim());
    if (!match) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = (match[1] ?? '').trim();
    if (!supportedFields.includes(field)) {
      const only = supportedFields.map((name) => `"${name}"`).join(', ');
      throw new SelectorError(`"${field}" is not a known field selector: only ${only}`);
    }
    return { field, op: match[2] === '!=' ? '!=' : '=', value: unescapeSelector(match[3] ?? '') };
  });
}

function fieldValue(object: JsonObject, field: string): string {
  let current: unknown = object;
  for (const part of field.split('.'))
    current = isJsonObject(current as JsonObject) ? (current as JsonObject)[part] : undefined;
  return typeof current === 'string' ? current : '';
}

export function matchesFields(requirements: readonly FieldRequirement[], object: JsonObject): boolean {
  return requirements.every(({ field, op, value }) => (fieldValue(object, field) === value) === (op === '='));
}

/** The predicate for a list or watch request's `labelSelector` and `fieldSelector`. */
export function selectorPredicate(
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
  supportedFields: readonly string[],
): Predicate {
  const labels = parseLabelSelector(labelSelector ?? '');
  const fields = parseFieldSelector(fieldSelector ?? '', supportedFields);
  return (object) => matchesLabels(labels, labelsOf(object)) && matchesFields(fields, object);
}
