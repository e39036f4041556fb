import type { LocalStack } from '../stack';
import { takeSnapshot } from './snapshot';
import { changeLines, renderFrame, type StepState, type ViewState } from './view';

/** Where the demo writes: process.stdout, or anything with `write` (tests). */
export interface DemoOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR_TO_END = '\x1b[0J';
const up = (lines: number) => `\x1b[${lines}A\r`;

/**
 * Keeps the terminal up to date: on a TTY the frame is redrawn in place (cursor up, clear, draw); otherwise each
 * refresh appends only the lines that say what changed, so a CI log reads as a timeline.
 */
export class LiveView {
  readonly #output: DemoOutput;
  readonly #stack: LocalStack;
  readonly #startedAt: number;
  readonly #timeScale: number;
  readonly #refreshMs: number;
  #steps: readonly StepState[];
  #previous: ViewState | undefined;
  #drawnLines = 0;
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    output: DemoOutput;
    stack: LocalStack;
    steps: readonly StepState[];
    startedAt: number;
    timeScale: number;
    refreshMs: number;
  }) {
    this.#output = options.output;
    this.#stack = options.stack;
    this.#steps = options.steps;
    this.#startedAt = options.startedAt;
    this.#timeScale = options.timeScale;
    this.#refreshMs = options.refreshMs;
  }

  get #tty(): boolean {
    return this.#output.isTTY === true;
  }

  start(): void {
    if (this.#tty) this.#output.write(HIDE_CURSOR);
    this.draw();
    this.#timer = setInterval(() => this.draw(), this.#refreshMs);
  }

  setSteps(steps: readonly StepState[]): void {
    this.#steps = steps;
    this.draw();
  }

  draw(): void {
    const state: ViewState = {
      steps: this.#steps,
      snapshot: takeSnapshot(this.#stack),
      startedAt: this.#startedAt,
      timeScale: this.#timeScale,
    };
    if (this.#tty) {
      const width = Math.max(40, (this.#output.columns ?? 120) - 1);
      const lines = renderFrame(state, width, this.#tick++, this.#output.rows);
      const rewind = this.#drawnLines > 0 ? up(this.#drawnLines) : '';
      this.#output.write(`${rewind}${CLEAR_TO_END}${lines.join('\n')}\n`);
      this.#drawnLines = lines.length;
    } else {
      const lines = changeLines(this.#previous, state);
      if (lines.length > 0) this.#output.write(`${lines.join('\n')}\n`);
    }
    this.#previous = state;
  }

  /** A last draw, then the terminal is given back as it was (cursor shown). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.draw();
    if (this.#tty) this.#output.write(SHOW_CURSOR);
  }
}
