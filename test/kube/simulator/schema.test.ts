import type { JSONSchemaProps } from '../../../local/kube-simulator/crd';
import type { JsonObject } from '../../../local/kube-simulator/json';
import { applyDefaults, pruneUnknownFields, validateAgainstSchema } from '../../../local/kube-simulator/schema';
import { fieldErrorMessage } from '../../../local/kube-simulator/status';
import { validateCustomResource } from '../../../local/kube-simulator/validation';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        known: { type: 'string' },
        free: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { typed: { type: 'integer' } },
        },
        labels: { type: 'object', additionalProperties: { type: 'object', properties: { value: { type: 'string' } } } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        maybe: { type: 'string', nullable: true },
        mode: { type: 'string', default: 'auto' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        port: { type: 'integer', format: 'int32', minimum: 1, exclusiveMaximum: true, maximum: 65536 },
        ratio: { type: 'number', multipleOf: 0.5 },
        intOrString: { 'x-kubernetes-int-or-string': true },
      },
    },
  },
};

describe('kube simulator: structural schema', () => {
  it('prunes unknown fields everywhere but under x-kubernetes-preserve-unknown-fields', () => {
    const object: JsonObject = {
      apiVersion: 'g/v1',
      kind: 'K',
      metadata: { name: 'x', bogus: 1 },
      top: 1,
      spec: {
        known: 'a',
        unknown: 'b',
        free: { anything: { goes: true }, typed: 1 },
        labels: { one: { value: 'v', extra: 1 } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', junk: 1 }, spec: {}, stray: 1 },
      },
    };
    const unknown = pruneUnknownFields(object, schema);
    expect(unknown).toEqual([
      'metadata.bogus',
      'top',
      'spec.unknown',
      'spec.labels[one].extra',
      'spec.template.metadata.junk',
      'spec.template.stray',
    ]);
    expect(object).toEqual({
      apiVersion: 'g/v1',
      kind: 'K',
      metadata: { name: 'x' },
      spec: {
        known: 'a',
        free: { anything: { goes: true }, typed: 1 },
        labels: { one: { value: 'v' } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
      },
    });
  });

  it('defaults absent fields and nulls of non-nullable fields, keeps nulls of nullable ones', () => {
    const object: JsonObject = { spec: { maybe: null, known: null } };
    applyDefaults(object, schema, true);
    expect(object).toEqual({ spec: { maybe: null, mode: 'auto' } });
  });

  it.each<[JsonObject, string[]]>([
    [{ port: 65536 }, ['spec.port: Invalid value: 65536: spec.port in body should be less than 65536']],
    [
      { port: 2 ** 31 },
      [
        `spec.port: Invalid value: "2147483648": spec.port in body must be of type int32: "2147483648"`,
        'spec.port: Invalid value: 2147483648: spec.port in body should be less than 65536',
      ],
    ],
    [{ ratio: 0.3 }, ['spec.ratio: Invalid value: 0.3: spec.ratio in body should be a multiple of 0.5']],
    [{ tags: ['a', 'b', 'a'] }, ['spec.tags[2]: Duplicate value: "a"']],
    [
      { intOrString: true },
      [
        'spec.intOrString: Invalid value: "boolean": spec.intOrString in body must be of type integer,string: "boolean"',
      ],
    ],
    [{ intOrString: '50%' }, []],
    [{ maybe: null }, []],
  ])('validates spec %j', (spec, messages) => {
    expect(validateAgainstSchema({ spec }, schema).map(fieldErrorMessage)).toEqual(messages);
  });

  it('runs only transition rules whose old value correlates, by map-list key', () => {
    const listSchema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  size: {
                    type: 'integer',
                    'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'size may only grow' }],
                  },
                },
              },
            },
          },
        },
      },
    };
    const old = { spec: { items: [{ name: 'a', size: 5 }] } };
    const shrunk = {
      spec: {
        items: [
          { name: 'b', size: 1 },
          { name: 'a', size: 4 },
        ],
      },
    };
    expect(validateCustomResource(shrunk, old, listSchema).map(fieldErrorMessage)).toEqual([
      'spec.items[1].size: Invalid value: "integer": size may only grow',
    ]);
    expect(validateCustomResource(shrunk, undefined, listSchema)).toEqual([]);
  });

  it('uses messageExpression and reason of a failing rule', () => {
    const ruled: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-validations': [
            {
              rule: 'self.min <= self.max',
              messageExpression: "'min ' + string(self.min) + ' exceeds max'",
              reason: 'FieldValueForbidden',
            },
          ],
          properties: { min: { type: 'integer' }, max: { type: 'integer' } },
        },
      },
    };
    expect(validateCustomResource({ spec: { min: 3, max: 1 } }, undefined, ruled).map(fieldErrorMessage)).toEqual([
      'spec: Forbidden: min 3 exceeds max',
    ]);
  });
});
