import { barChart } from '../../src/web/staff/charts';
import { toPence } from '../../src/web/staff/rates.pages';
import { monthName } from '../../src/web/volunteer/hours.pages';
import { reasonText, refusal, roleName } from '../../src/web/volunteer/words';
import { DomainError, conflict, forbidden, unprocessable } from '../../src/lib/errors';

const rules = { minRestHours: 1, maxHoursPerDay: 8, withdrawHours: 48 };

describe('barChart', () => {
  const svg = barChart({ id: 'c', title: 'Hours by tier', description: '10 hours in all', bars: [{ label: 'A', value: 10, text: '10 hours' }, { label: 'B', value: 5, text: '5 hours' }, { label: 'C', value: 0, text: '0 hours' }] });

  it('is an image named by its title and described by its desc', () => {
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    expect(svg).toContain('aria-labelledby="c-title"');
    expect(svg).toContain('aria-describedby="c-desc"');
    expect(svg).toContain('<title id="c-title">Hours by tier</title>');
    expect(svg).toContain('<desc id="c-desc">10 hours in all</desc>');
  });

  it('draws bars in proportion, the longest filling the room, zero as nothing', () => {
    const widths = [...svg.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([490, 245, 0]);
    expect([...svg.matchAll(/class="hk-chart__value">([^<]*)</g)].map((m) => m[1])).toEqual(['10 hours', '5 hours', '0 hours']);
  });

  it('a tiny value still shows a sliver; all zeros draw no bars and do not divide by zero', () => {
    const tiny = barChart({ id: 't', title: 't', description: 'd', bars: [{ label: 'big', value: 10000, text: '' }, { label: 'tiny', value: 1, text: '' }] });
    expect([...tiny.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([490, 2]);
    const zeros = barChart({ id: 'z', title: 't', description: 'd', bars: [{ label: 'a', value: 0, text: '0' }] });
    expect(zeros).not.toContain('NaN');
  });

  it('says when there is nothing to show', () => {
    expect(barChart({ id: 'e', title: 't', description: 'd', bars: [] })).toContain('Nothing to show for this period');
  });

  it('escapes labels and titles', () => {
    const svg2 = barChart({ id: 'x', title: 'Rooms <&> "quoted"', description: 'd', bars: [{ label: '<script>', value: 1, text: 'a & b' }] });
    expect(svg2).not.toContain('<script>');
    expect(svg2).toContain('&lt;script&gt;');
    expect(svg2).toContain('Rooms &lt;&amp;&gt; &quot;quoted&quot;');
    expect(svg2).toContain('a &amp; b');
  });
});

describe('toPence', () => {
  it.each([
    ['12', 1200],
    ['12.5', 1250],
    ['12.50', 1250],
    ['£12.50', 1250],
    [' 1,200.05 ', 120005],
    ['0', 0],
    ['0.01', 1],
  ])('%p is %p pence', (raw, pence) => expect(toPence(raw)).toBe(pence));

  it.each(['', 'lots', '12.505', '-5', '1e3', '12.', '.5', '1234567'])('%p is not money', (raw) => expect(toPence(raw)).toBeUndefined());
});

describe('the rota in words', () => {
  it('names roles', () => {
    expect(roleName('events')).toBe('Events helper');
    expect(roleName('opener')).toBe('Opener');
    expect(roleName('unknown')).toBe('unknown');
  });

  it.each([
    ['not_trained', 'You are not trained for the closer role yet. Ask the hub\'s staff about training'],
    ['rest_too_short', 'It is too close to another of your shifts: the hub asks for at least 1 hour between shifts'],
    ['too_many_hours', 'It would give you more than 8 hours of shifts in one day'],
    ['shift_collides', 'You are already on another shift at this time'],
    ['signup_blocked', 'Signing up is paused after missed shifts. Ask the hub\'s staff to clear it'],
    ['shift_full', 'Every place on this shift is taken. You can join its waiting list'],
    ['withdraw_too_late', 'It is too late to withdraw: that closes 48 hours before the shift. Ask for cover instead'],
    ['something_new', 'That could not be done. Reload the page and try again'],
  ])('%s reads "%s"', (code, words) => expect(reasonText(code, rules, 'closer')).toBe(words));

  it('plural hours follow the hub\'s settings', () => {
    expect(reasonText('rest_too_short', { ...rules, minRestHours: 3 })).toContain('at least 3 hours');
  });

  it('a refusal is a conflict, a rule or a validation error; anything else is rethrown', () => {
    expect(refusal(conflict('shift_full', 'full'))).toEqual({ code: 'shift_full', detail: 'full' });
    expect(refusal(unprocessable('not_trained', 'x'))).toEqual({ code: 'not_trained', detail: 'x' });
    expect(refusal(new DomainError('validation', 'validation_failed', 'bad'))).toEqual({ code: 'validation_failed', detail: 'bad' });
    expect(refusal(forbidden())).toBeUndefined();
    expect(refusal(new Error('boom'))).toBeUndefined();
  });

  it('writes months', () => {
    expect(monthName('2026-11')).toBe('November 2026');
    expect(monthName('2027-01')).toBe('January 2027');
  });
});
