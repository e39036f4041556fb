import { parseCommandLine, UsageError } from '../../local/command-line';

const OPTIONS = {
  demo: { type: 'boolean', short: 'd' },
  only: { type: 'string' },
  env: { type: 'string', multiple: true },
} as const;

describe('parseCommandLine (node:util parseArgs for every local and bench command line)', () => {
  it.each<[string[], Record<string, unknown>]>([
    [[], {}],
    [['-d'], { demo: true }],
    [['--only', 'a,b', '--demo'], { only: 'a,b', demo: true }],
    [['--only=x'], { only: 'x' }],
    [['--only='], { only: '' }],
    [['--env', 'A=1', '--env=B=2'], { env: ['A=1', 'B=2'] }],
  ])('reads %j', (argv, expected) => {
    expect(parseCommandLine(argv, OPTIONS)).toEqual(expected);
  });

  it.each([
    [['--dmeo'], 'unknown argument "--dmeo"'],
    [['--port=3000'], 'unknown argument "--port=3000"'],
    [['demo'], 'unknown argument "demo"'],
    [['--', '--demo'], 'unknown argument "--"'],
    [['--only'], '--only needs a value'],
    [['--demo=yes'], '--demo takes no value'],
    [['--only', '--demo'], "Option '--only' argument is ambiguous."],
  ])('refuses %j in one line: %s', (argv, message) => {
    let thrown: unknown;
    try {
      parseCommandLine(argv, OPTIONS);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe(message);
  });
});
