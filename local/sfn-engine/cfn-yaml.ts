import { type CollectionTag, parse, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

/** CloudFormation short-form tags (`!GetAtt fn.Arn`, `!Ref x`, `!Sub …`) as serverless.yml and ASL files use them. */
const CFN_FUNCTIONS = [
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'And',
  'Or',
  'Select',
  'Split',
  'Sub',
] as const;

function longFormKey(tagName: string): string {
  return tagName === 'Ref' || tagName === 'Condition' ? tagName : `Fn::${tagName}`;
}

function tagsFor(tagName: string): Array<ScalarTag | CollectionTag> {
  const key = longFormKey(tagName);
  const collection = (value: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: value.toJSON() });
  return [
    {
      tag: `!${tagName}`,
      // `!GetAtt fn.Arn` is the scalar spelling of `Fn::GetAtt: [fn, Arn]`.
      resolve: (value: string) => {
        if (tagName !== 'GetAtt') return { [key]: value };
        const dot = value.indexOf('.');
        return { [key]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
      },
    },
    { tag: `!${tagName}`, collection: 'seq', resolve: collection },
    { tag: `!${tagName}`, collection: 'map', resolve: collection },
  ];
}

const CFN_TAGS = ['Ref', 'Condition', ...CFN_FUNCTIONS].flatMap(tagsFor);

/** Parses YAML (or JSON, a subset) with the CloudFormation tags expanded to their long form. */
export function parseCfnYaml(text: string, sourceName: string): unknown {
  try {
    return parse(text, { customTags: CFN_TAGS });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${sourceName} is not valid YAML: ${reason}`);
  }
}
