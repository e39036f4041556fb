import { BENCH_NAMES, parseBenchArgs } from '../../bench/support';

describe('bench arguments', () => {
  it.each([
    [[], { only: [...BENCH_NAMES], quick: false, help: false }],
    [['--quick'], { only: [...BENCH_NAMES], quick: true, help: false }],
    [['--only', 'webhook'], { only: ['webhook'], quick: false, help: false }],
    [['--only=reconcile,lifecycle', '--quick'], { only: ['reconcile', 'lifecycle'], quick: true, help: false }],
    [['--only', 'webhook,webhook'], { only: ['webhook'], quick: false, help: false }],
    [['--help'], { only: [...BENCH_NAMES], quick: false, help: true }],
  ])('reads %j', (argv, expected) => {
    expect(parseBenchArgs(argv)).toEqual(expected);
  });

  it.each([
    [['--only'], '--only needs a value'],
    [['--only='], '--only needs a list, e.g. --only webhook'],
    [['--only', 'webhook,chaos'], '--only: unknown benchmark chaos (known: lifecycle, webhook, reconcile, receiver)'],
    [['--fast'], 'unknown argument "--fast"'],
  ])('refuses %j, saying what is wrong', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});
