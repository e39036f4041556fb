import { z } from 'zod';

/** asl-validator 4 ships no type declarations; this is the part of its CommonJS export the engine uses. */
type AslValidator = (
  definition: unknown,
  options: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText(separator?: string): string };

const ValidatorModule = z.custom<AslValidator>((value) => typeof value === 'function', 'asl-validator export');
const aslValidator = ValidatorModule.parse(require('asl-validator'));

/** The problems asl-validator finds, or an empty list. It annotates what it is given, so it gets a copy. */
export function aslProblems(definition: Record<string, unknown>): string[] {
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return result.isValid ? [] : result.errorsText('\n').split('\n').filter(Boolean);
}
