import fc from 'fast-check';
import { buildErrorDetail, ERROR_DETAIL_MAX_LENGTH, mapAapStatus } from '../../../lib/aap';
import { TRUNCATION_MARK } from '../../../lib/aap/job-status';
import { JobState } from '../../../lib/domain/job-state';

describe('mapAapStatus', () => {
  it.each([
    ['new', 'Pending', false],
    ['pending', 'Pending', false],
    ['waiting', 'Waiting', false],
    ['running', 'Running', false],
    ['successful', 'Succeeded', true],
    ['failed', 'Failed', true],
    ['error', 'Failed', true],
    ['canceled', 'Canceled', true],
    ['cancelled', 'Unknown', false],
    ['never updated', 'Unknown', false],
    ['RUNNING', 'Unknown', false],
    ['', 'Unknown', false],
    ['constructor', 'Unknown', false],
    ['toString', 'Unknown', false],
  ])('maps %p to %s (terminal %p)', (status, state, terminal) => {
    expect(mapAapStatus(status)).toEqual({ state, terminal });
  });

  it('only ever yields a JobState, and only terminal ones as terminal', () => {
    fc.assert(
      fc.property(fc.string(), (status) => {
        const { state, terminal } = mapAapStatus(status);
        expect(JobState.options).toContain(state);
        expect(terminal).toBe(['Succeeded', 'Failed', 'Canceled'].includes(state));
      }),
    );
  });
});

describe('buildErrorDetail', () => {
  it.each([
    ['both empty', '', '', undefined],
    ['only whitespace', '  \n', '\n\t', undefined],
    ['only an explanation', ' Job terminated due to error ', '', 'Job terminated due to error'],
    ['only a traceback', '', 'Traceback…\nRuntimeError: x\n', 'Traceback…\nRuntimeError: x'],
    [
      'both',
      'Job terminated due to error',
      'Traceback…\nRuntimeError: x',
      'Job terminated due to error\nTraceback…\nRuntimeError: x',
    ],
  ])('for %s gives %p', (_case, explanation, traceback, expected) => {
    expect(buildErrorDetail(explanation, traceback)).toBe(expected);
  });

  it('keeps exactly the limit when the text fits exactly', () => {
    const text = 'x'.repeat(ERROR_DETAIL_MAX_LENGTH);
    expect(buildErrorDetail('', text)).toBe(text);
  });

  it('keeps the end of an oversized traceback, after a truncation mark', () => {
    const traceback = `Traceback (most recent call last):\n${'frame\n'.repeat(1000)}KeyError: 'disk'`;

    const detail = buildErrorDetail('Job terminated due to error', traceback) ?? '';

    expect(detail).toHaveLength(ERROR_DETAIL_MAX_LENGTH);
    expect(detail.startsWith(`Job terminated due to error\n${TRUNCATION_MARK}\n`)).toBe(true);
    expect(detail.endsWith("frame\nKeyError: 'disk'")).toBe(true);
  });

  it('keeps the head of an oversized explanation with no traceback', () => {
    const detail = buildErrorDetail(`Previous Task Failed: ${'y'.repeat(3000)}`, '') ?? '';

    expect(detail).toHaveLength(ERROR_DETAIL_MAX_LENGTH);
    expect(detail.startsWith('Previous Task Failed: yyy')).toBe(true);
    expect(detail.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  it('never lets a long explanation crowd out the traceback', () => {
    const detail = buildErrorDetail('e'.repeat(5000), `${'t'.repeat(5000)}ZeroDivisionError`) ?? '';

    expect(detail.length).toBeLessThanOrEqual(ERROR_DETAIL_MAX_LENGTH);
    expect(detail.endsWith('ZeroDivisionError')).toBe(true);
    expect(detail.split('e').length - 1).toBeLessThanOrEqual(ERROR_DETAIL_MAX_LENGTH / 4);
  });

  it('is bounded, keeps the traceback tail, and starts with the explanation, for any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.string({ maxLength: 6000 }), (explanation, traceback) => {
        const detail = buildErrorDetail(explanation, traceback);
        const [e, t] = [explanation.trim(), traceback.trim()];
        if (e === '' && t === '') {
          expect(detail).toBeUndefined();
          return;
        }
        expect(detail?.length).toBeLessThanOrEqual(ERROR_DETAIL_MAX_LENGTH);
        if (t !== '') expect(detail?.endsWith(t.slice(-1000))).toBe(true);
        if (e !== '') expect(detail?.startsWith(e.slice(0, 400))).toBe(true);
      }),
    );
  });

  it('refuses a limit too small to hold its truncation marks', () => {
    expect(() => buildErrorDetail('a', 'b', 10)).toThrow(RangeError);
  });
});
