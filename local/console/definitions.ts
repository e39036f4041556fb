import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/** A deployed state machine and its ASL, as the console draws it. */
export interface StateMachineDefinition {
  readonly name: string;
  readonly arn: string;
  readonly definition: Record<string, unknown>;
}

const DEFINITION_FILE = /^(?<base>.+)\.asl\.(ya?ml|json)$/;
const DefinitionDocument = z.record(z.string(), z.unknown());

/**
 * The definitions of the given machines, read from `<directory>/<key>.asl.yaml`. The local engine does not hand out
 * its parsed definitions, so each machine is matched to the file named after its serverless.yml key, which its name
 * ends with (`<service>-<stage>-<key>`), the same convention local/stack.ts finds the machines by. A machine without
 * a file is left out; the console says so when one of its executions is opened.
 */
export function loadStateMachineDefinitions(
  machines: ReadonlyArray<{ readonly name: string; readonly arn: string }>,
  directory: string,
): StateMachineDefinition[] {
  const files = readdirSync(directory).flatMap((file) => {
    const base = DEFINITION_FILE.exec(file)?.groups?.base;
    return base === undefined ? [] : [{ base, file: path.join(directory, file) }];
  });
  const definitions: StateMachineDefinition[] = [];
  for (const machine of machines) {
    // The longest matching key wins, so `deprovision` is never taken for `provision`'s file or the other way round.
    const match = files
      .filter(({ base }) => machine.name === base || machine.name.endsWith(`-${base}`))
      .sort((a, b) => b.base.length - a.base.length)[0];
    if (match === undefined) continue;
    definitions.push({ name: machine.name, arn: machine.arn, definition: readDefinition(match.file) });
  }
  return definitions;
}

function readDefinition(file: string): Record<string, unknown> {
  let document: unknown;
  try {
    // CloudFormation short tags (`!GetAtt`) only appear in Resource fields, which the console does not read:
    // left unresolved, they need not be reported.
    document = parse(readFileSync(file, 'utf8'), { logLevel: 'error' });
  } catch (error) {
    throw new Error(`cannot read the state machine definition ${file}: ${(error as Error).message}`);
  }
  const result = DefinitionDocument.safeParse(document);
  if (!result.success) throw new Error(`the state machine definition ${file} is not a YAML/JSON object`);
  return result.data;
}
