import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { checkTiming, isQuietTime, remindLaterTime, sendTimeFor, type NotifyTiming } from '../../src/notify/timing.js';
import { projectDir } from '../helpers/conversation-harness.js';

const timing: NotifyTiming = { calendar: loadWorkingCalendar(join(projectDir, 'rules', 'calendar.yaml')), quietStart: '21:00', quietEnd: '07:00', routineTime: '08:00' };
const vn = (local: string) => new Date(`${local}:00+07:00`);

describe('quiet hours', () => {
  it('run from 21:00 to 07:00 in Vietnam, whatever the server’s zone', () => {
    expect(isQuietTime(timing, vn('2026-12-02T20:59'))).toBe(false);
    expect(isQuietTime(timing, vn('2026-12-02T21:00'))).toBe(true);
    expect(isQuietTime(timing, vn('2026-12-03T06:59'))).toBe(true);
    expect(isQuietTime(timing, vn('2026-12-03T07:00'))).toBe(false);
  });

  it('move a time-bound notice to 07:00, the same morning or the next', () => {
    expect(sendTimeFor(timing, vn('2026-12-02T22:30'), false)).toEqual(vn('2026-12-03T07:00'));
    expect(sendTimeFor(timing, vn('2026-12-03T05:00'), false)).toEqual(vn('2026-12-03T07:00'));
    expect(sendTimeFor(timing, vn('2026-12-05T15:00'), false)).toEqual(vn('2026-12-05T15:00')); // a Saturday: time-bound notices go anyway
  });

  it('are refused when they do not span the night or swallow the routine hour', () => {
    expect(() => checkTiming({ quietStart: '07:00', quietEnd: '21:00', routineTime: '08:00' })).toThrow(/evening hour to a morning hour/);
    expect(() => checkTiming({ quietStart: '21:00', quietEnd: '09:00', routineTime: '08:00' })).toThrow(/falls in the quiet hours/);
  });
});

describe('routine nudges', () => {
  it('wait for 08:00 on a working day', () => {
    expect(sendTimeFor(timing, vn('2026-12-03T06:00'), true)).toEqual(vn('2026-12-03T08:00'));
    expect(sendTimeFor(timing, vn('2026-12-03T10:15'), true)).toEqual(vn('2026-12-03T10:15'));
    expect(sendTimeFor(timing, vn('2026-12-04T21:30'), true)).toEqual(vn('2026-12-07T08:00')); // Friday night → Monday
    expect(sendTimeFor(timing, vn('2026-12-05T09:00'), true)).toEqual(vn('2026-12-07T08:00')); // Saturday → Monday
  });

  it('skip Tết and the holidays of the published schedule', () => {
    // Tết Bính Ngọ 2026: offices closed from Saturday 14 to Sunday 22 February.
    expect(sendTimeFor(timing, vn('2026-02-13T21:30'), true)).toEqual(vn('2026-02-23T08:00'));
    // 30/4 and 1/5 2026 (Thursday and Friday) → Monday 4 May.
    expect(sendTimeFor(timing, vn('2026-04-30T09:00'), true)).toEqual(vn('2026-05-04T08:00'));
  });

  it('"Nhắc lại sau" means 08:00 on the next working day', () => {
    expect(remindLaterTime(timing, vn('2026-12-03T15:00'))).toEqual(vn('2026-12-04T08:00'));
    expect(remindLaterTime(timing, vn('2026-12-04T15:00'))).toEqual(vn('2026-12-07T08:00'));
  });
});
