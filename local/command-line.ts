import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** Wrong command-line use: said in one line, naming the argument as it was given; the caller exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * `node:util` parseArgs for every command line of the local tools and benches: options only, no positionals.
 * Checked first token by token, so a refusal names the argument exactly as typed (`--port=3000`, not `--port`).
 */
export function parseCommandLine<const Options extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: Options,
) {
  const args = [...argv];
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'option-terminator') throw new UsageError(`unknown argument "${args[token.index]}"`);
    if (token.kind === 'positional' || !Object.hasOwn(options, token.name)) {
      throw new UsageError(`unknown argument "${args[token.index]}"`);
    }
    const isString = options[token.name]?.type === 'string';
    if (isString && token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    if (!isString && token.inlineValue) throw new UsageError(`${token.rawName} takes no value`);
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // What the token check lets through, e.g. `--only --quick` (a value that looks like an option).
    throw new UsageError(String((error as Error).message).split('\n', 1)[0]);
  }
}
