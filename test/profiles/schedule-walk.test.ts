import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScheduleStep } from '../../faults/profiles/profile-file.js';
import { ScheduleWalk, type WalkedSchedule } from '../../faults/profiles/schedule-walk.js';

// Fake timers drive setTimeout and the clock the walk reads: every firing is deterministic.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const step = (at: number, label: string): ScheduleStep => ({ at, label, faults: {}, toxics: [] });

/** `lag` moves the walk's clock ahead of the timers: a process too busy to run a timer on time. */
function walkOf(schedule: WalkedSchedule<ScheduleStep>) {
  const applied: string[] = [];
  let done = 0;
  const clock = { lag: 0 };
  const now = () => Date.now() + clock.lag;
  const t0 = now();
  const walk = new ScheduleWalk(schedule, {
    now,
    apply: (s, index, cycle) => applied.push(`${s.label}#${index}/${cycle}@${now() - t0}`),
    done: () => done++,
  });
  return { walk, applied, clock, done: () => done };
}

describe('the schedule walk both the runner and the schedule toxic use', () => {
  it('applies the steps due at 0 in start(), each later one at its time, then ends once', () => {
    const { walk, applied, done } = walkOf({ loop: false, steps: [step(0, 'a'), step(0, 'b'), step(100, 'c'), step(250, 'd')] });
    walk.start();
    expect(applied).toEqual(['a#0/0@0', 'b#1/0@0']);
    vi.advanceTimersByTime(99);
    expect(applied).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(applied).toEqual(['a#0/0@0', 'b#1/0@0', 'c#2/0@100']);
    vi.advanceTimersByTime(1000);
    expect(applied.slice(3)).toEqual(['d#3/0@250']);
    expect(done()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a late timer applies every step it missed at once and keeps later steps on the start clock', () => {
    const { walk, applied, clock } = walkOf({ loop: false, steps: [step(0, 'a'), step(100, 'b'), step(200, 'c'), step(400, 'd')] });
    walk.start();
    // The process was busy: the first timer (due at 100) runs when the clock reads 250.
    clock.lag = 150;
    vi.advanceTimersByTime(100);
    expect(applied).toEqual(['a#0/0@0', 'b#1/0@250', 'c#2/0@250']);
    vi.advanceTimersByTime(149);
    expect(applied).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(applied[3]).toBe('d#3/0@400');
  });

  it('a looping schedule starts each cycle one period after the last, and stop() ends it', () => {
    const { walk, applied, done } = walkOf({ loop: true, period: 300, steps: [step(0, 'a'), step(100, 'b')] });
    walk.start();
    vi.advanceTimersByTime(650);
    expect(applied).toEqual(['a#0/0@0', 'b#1/0@100', 'a#0/1@300', 'b#1/1@400', 'a#0/2@600']);
    walk.stop();
    vi.advanceTimersByTime(1000);
    expect(applied).toHaveLength(5);
    expect(done()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
