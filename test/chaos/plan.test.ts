import { instantMs } from '../../lib/computeinstance';
import { validateAgainstSchema } from '../../local/kube-simulator/schema';
import { API_SERVER_SPELLINGS, apiServerSpelling } from './cluster-user';
import { type DeleteMoment, describeStep, planLifecycle, planLifecycles, type Step } from './plan';
import { Prng } from './prng';

describe('Prng', () => {
  it('replays the same stream for the same seed and label, and another for another', () => {
    const draws = (seed: string) => {
      const prng = new Prng(seed);
      return Array.from({ length: 5 }, () => prng.next());
    };
    expect(new Set(draws('42')).size).toBe(5);
    expect(draws('42')).toEqual(draws('42'));
    expect(new Prng('42').fork('a').next()).toBe(new Prng('42').fork('a').next());
    expect(new Prng('42').fork('a').next()).not.toBe(new Prng('42').fork('b').next());
    expect(new Prng('42').next()).not.toBe(new Prng('43').next());
  });

  it('spreads draws over [0, 1) and keeps int() within its bounds, both ends reachable', () => {
    const prng = new Prng('spread');
    const ints = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = prng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      ints.add(prng.int(3, 6));
    }
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
  });

  it.each([
    { p: 0, expected: false },
    { p: 1, expected: true },
  ])('chance($p) is always $expected', ({ p, expected }) => {
    const prng = new Prng('chance');
    expect(Array.from({ length: 100 }, () => prng.chance(p)).every((v) => v === expected)).toBe(true);
  });

  it('refuses a range it cannot draw from', () => {
    expect(() => new Prng('x').int(5, 4)).toThrow(/min <= max/);
    expect(() => new Prng('x').pick([])).toThrow(/at least one/);
  });
});

describe('lifecycle plans', () => {
  const plans = planLifecycles(new Prng('plans'), 400);

  it('are the same for the same seed, and adding lifecycles leaves the earlier ones alone', () => {
    expect(planLifecycles(new Prng('plans'), 400)).toEqual(plans);
    expect(planLifecycles(new Prng('plans'), 10)).toEqual(plans.slice(0, 10));
    expect(planLifecycles(new Prng('other'), 10)).not.toEqual(plans.slice(0, 10));
  });

  it('give every lifecycle its own name', () => {
    expect(new Set(plans.map((p) => p.name)).size).toBe(plans.length);
  });

  it.each<DeleteMoment>([
    'at-once',
    'while-launching',
    'while-job-runs',
    'during-cancel',
    'after-provisioned',
    'after-pause',
  ])('include deletions %s', (moment) => {
    expect(plans.some((p) => p.deleteMoment === moment)).toBe(true);
  });

  it('leave about 30% of the instances alive, and delete each planned deletion with a delete step', () => {
    const live = plans.filter((p) => p.deleteMoment === undefined);
    expect(live.length / plans.length).toBeGreaterThan(0.2);
    expect(live.length / plans.length).toBeLessThan(0.4);
    for (const plan of plans) {
      expect(plan.steps.some((s) => s.kind === 'delete')).toBe(plan.deleteMoment !== undefined);
    }
  });

  it('delete during a cancel: wait for the running job, delete, wait for the cancel, edit and delete again', () => {
    const plan = plans.find((p) => p.deleteMoment === 'during-cancel');
    const steps = (plan?.steps ?? []).map(describeStep);
    const cancel = steps.indexOf('await cancel-in-flight');
    expect(steps.slice(cancel - 2, cancel + 3)).toEqual([
      'await job-running',
      'delete',
      'await cancel-in-flight',
      expect.stringMatching(/^(runStrategy=|securityGroupRefs=|restart)/),
      'delete',
    ]);
  });

  it('make every spec edit a real change of the spec', () => {
    for (const plan of plans) {
      let runStrategy = plan.runStrategy;
      let groups = plan.groups.join();
      for (const step of plan.steps as Step[]) {
        if (step.kind === 'set-run-strategy') {
          expect(step.runStrategy).not.toBe(runStrategy);
          runStrategy = step.runStrategy;
        } else if (step.kind === 'set-security-groups') {
          expect(step.groups.join()).not.toBe(groups);
          groups = step.groups.join();
        }
      }
    }
  });

  it('start within the spread', () => {
    const plan = planLifecycle(new Prng('spread'), 0, { deleteShare: 1, spreadSeconds: 10, awaitTimeoutSeconds: 5 });
    expect(plan.startAfterSeconds).toBeLessThanOrEqual(10);
    expect(plan.deleteMoment).toBeDefined();
  });
});

describe('restart requests spelled as the API server allows', () => {
  const format = { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } } as const;
  const each = Array.from({ length: API_SERVER_SPELLINGS }, (_, i) => i);
  it.each(each)('spelling %i: accepted by the API server, the same instant (whole seconds: that second)', (i) => {
    const at = new Date(1796637600120 + i);
    const spelled = apiServerSpelling(at);
    expect(validateAgainstSchema({ at: spelled }, format)).toEqual([]);
    const read = instantMs(spelled, 'restartRequestedAt');
    if (/:\d\d[+-]/.test(spelled.slice(11, 20)) && !spelled.includes('.')) {
      expect(read).toBe(Math.floor(at.getTime() / 1000) * 1000);
    } else expect(read).toBe(at.getTime());
  });

  it(`uses ${API_SERVER_SPELLINGS} different spellings`, () => {
    const spellings = each.map((i) => apiServerSpelling(new Date(1796637600120 + i)));
    expect(new Set(spellings).size).toBe(API_SERVER_SPELLINGS);
    expect(spellings.map((s) => s.slice(10, 11))).toContain('t');
    expect(spellings.some((s) => /^\S+T\d\d:\d\d:\d\d\+00:00$/.test(s))).toBe(true);
  });
});
