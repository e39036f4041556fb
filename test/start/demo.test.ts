import { freePorts, StartProcess } from './support/start-process';

/**
 * `npm start -- --demo` as CI runs it: not a terminal, TIME_SCALE 0.02. The demo must walk the whole lifecycle on
 * the real system, print a readable timeline (no cursor tricks in a log), and exit 0 only if its summary holds.
 */

const DEMO_TIMEOUT_MS = 150_000;

describe('npm start -- --demo', () => {
  let demo: StartProcess;
  afterAll(async () => {
    await demo?.kill();
  });

  it(
    'runs the lifecycle to a passing summary: every step done, 0 VMs left, 0 violations, exit code 0',
    async () => {
      const [gateway, aap, kube, sfn] = (await freePorts(4)).map(String) as [string, string, string, string];
      demo = new StartProcess(['--demo'], {
        PORT: gateway,
        AAP_SIM_PORT: aap,
        KUBE_SIM_PORT: kube,
        SFN_PORT: sfn,
        TIME_SCALE: '0.02',
      });
      const exit = await demo.exited;
      const output = demo.stdout;
      expect({ exit, stderr: demo.stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });

      // The timeline: each step started and finished, in order, with what the system did in between.
      const finished = [...output.matchAll(/^\[\+\d\d:\d\d\] ✔ step (\d): /gm)].map((match) => Number(match[1]));
      expect(finished).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(output).toMatch(/instance osac-computeinstance\/demo-web: phase Starting → Running/);
      expect(output).toMatch(/execution provision-osac-computeinstance-demo-web-\w+-g1 SUCCEEDED/);
      expect(output).toMatch(/execution deprovision-osac-computeinstance-demo-db-[\w-]+ SUCCEEDED/);
      expect(output).not.toContain('\x1b[');

      const summary = output.slice(output.indexOf('\nSummary\n'));
      expect(summary).toMatch(/^ {2}steps: +7 of 7 done$/m);
      expect(summary).toMatch(/^ {2}AAP jobs launched: +provision [3-5], deprovision 2 /m);
      expect(summary).toMatch(/^ {2}detection lag: +median \d+\.\d s, max \d+\.\d s over \d+ jobs/m);
      expect(summary).toMatch(/^ {4}SUCCEEDED +deprovision +\d+ +deprovision-osac-computeinstance-demo-web-/m);
      expect(summary).toMatch(/^ {2}VMs left: +0$/m);
      expect(summary).toMatch(/^ {2}violations: +0$/m);
      expect(summary).toMatch(/^ {2}result: +PASS$/m);
    },
    DEMO_TIMEOUT_MS,
  );
});
