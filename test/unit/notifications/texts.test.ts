import { clip, fitSegments, smsSegments, toGsmLookalikes } from '../../../src/lib/sms-segments';
import { codeText, CODE_PLACEHOLDER, HELP_TEXT, holdLapsedText, holdLapsingText, invitationText, maskBody, movedText, openText, reminderText, SECRET_PLACEHOLDER } from '../../../src/modules/notifications/texts';
import { windowText } from '../../../src/modules/access/access.messages';

describe('smsSegments (GSM 03.38 and UCS-2)', () => {
  it.each([
    ['', 'GSM-7', 0, 0],
    ['a', 'GSM-7', 1, 1],
    ['x'.repeat(160), 'GSM-7', 160, 1],
    ['x'.repeat(161), 'GSM-7', 161, 2],
    ['x'.repeat(306), 'GSM-7', 306, 2],
    ['x'.repeat(307), 'GSM-7', 307, 3],
    // Extension characters cost two septets each.
    ['{'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['x'.repeat(159) + '^', 'GSM-7', 161, 2],
    ['Café £5 @ Søren’s'.replace('’', "'"), 'GSM-7', 17, 1],
    ['ΔΦΓΛΩΠΨΣΘΞ', 'GSM-7', 10, 1],
    // One character outside the set makes the whole text UCS-2.
    ['x'.repeat(69) + '’', 'UCS-2', 70, 1],
    ['x'.repeat(70) + '’', 'UCS-2', 71, 2],
    ['x'.repeat(133) + '’', 'UCS-2', 134, 2],
    ['x'.repeat(134) + '’', 'UCS-2', 135, 3],
    ['Łódź', 'UCS-2', 4, 1],
    ['😀', 'UCS-2', 2, 1],
    ['`', 'UCS-2', 1, 1],
  ])('%j is %s, %i units, %i segments', (text, encoding, units, segments) => {
    expect(smsSegments(text)).toEqual({ encoding, units, segments });
  });
});

describe('fitSegments and clip', () => {
  it('leaves a text that fits as it is, look-alikes made GSM-7', () => {
    expect(fitSegments('Hello')).toBe('Hello');
    expect(toGsmLookalikes('St Mary’s “Hall” – 10…12')).toBe('St Mary\'s "Hall" - 10...12');
    expect(smsSegments(fitSegments('x'.repeat(150) + '’')).encoding).toBe('GSM-7');
  });

  it.each([400, 307, 1000])('cuts a GSM-7 text of %i to two segments with "..."', (n) => {
    const out = fitSegments('y'.repeat(n));
    expect(smsSegments(out).segments).toBe(2);
    expect(out.endsWith('...')).toBe(true);
    expect(out.length).toBe(306);
  });

  it('cuts a UCS-2 text (an emoji in it) to two segments without splitting a surrogate pair', () => {
    const out = fitSegments('😀'.repeat(200));
    expect(smsSegments(out)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(out).toMatch(/^(😀)+\.\.\.$/u);
  });

  it('clips names', () => {
    expect(clip('  Short   name ', 10)).toBe('Short name');
    expect(clip('A very long organisation name indeed', 12)).toBe('A very lo...');
  });
});

/** Names as long as people really give them. */
const LONG = {
  hub: 'St Bartholomew-the-Great Community Hub and Neighbourhood Centre (East Wing)',
  room: 'The Main Hall with the Sprung Floor (Upstairs, Lift Access)',
  title: 'Wednesday Evening Intermediate Salsa and Bachata Social Dance Class for Adults',
  doors: ['Front door (Church Lane)', 'Side door by the car park', 'Back gate (bins)', 'Fire door'],
  person: 'Alexandra Montgomery-Fotheringham-Smythe',
};
const when = windowText(new Date('2026-12-31T22:15:00Z'), new Date('2027-01-01T01:45:00Z'), 'Europe/London');
/** The code digits a rendered text carries at most. */
const code = '123456789012';

describe('every text Hubkey builds fits two segments, with long realistic names', () => {
  const cases: Array<[string, string]> = [
    ['door code', codeText({ kind: 'booking', moved: false, hubName: LONG.hub, roomName: LONG.room, when, doorNames: LONG.doors })],
    ['moved door code', codeText({ kind: 'booking', moved: true, hubName: LONG.hub, roomName: LONG.room, when, doorNames: LONG.doors })],
    ['door code, no door', codeText({ kind: 'booking', moved: false, hubName: LONG.hub, roomName: LONG.room, when, doorNames: [] })],
    ['shift code', codeText({ kind: 'shift', moved: false, hubName: LONG.hub, when, doorNames: LONG.doors })],
    ['moved, code later', movedText({ hubName: LONG.hub, roomName: LONG.room, when, codeAt: 'Wed 30 Dec 22:15' })],
    ['reminder, code comes', reminderText({ title: LONG.title, roomName: LONG.room, hubName: LONG.hub, when, code: { state: 'coming', at: 'Wed 30 Dec 22:15' } })],
    ['reminder, code came', reminderText({ title: LONG.title, roomName: LONG.room, hubName: LONG.hub, when, code: { state: 'sent', from: 'Thu 31 Dec 22:00' } })],
    ['reminder, no door', reminderText({ title: LONG.title, roomName: LONG.room, hubName: LONG.hub, when, code: { state: 'none' } })],
    ['hold lapsing', holdLapsingText({ hubName: LONG.hub, title: LONG.title, count: 1, until: '10:45' })],
    ['hold lapsing, series', holdLapsingText({ hubName: LONG.hub, title: LONG.title, count: 52, until: '10:45' })],
    ['hold lapsed', holdLapsedText({ hubName: LONG.hub, title: LONG.title, count: 1, when: 'Thu 31 Dec 22:15' })],
    ['hold lapsed, series', holdLapsedText({ hubName: LONG.hub, title: LONG.title, count: 52, when: 'Thu 31 Dec 22:15' })],
    ['invitation', invitationText({ inviterName: LONG.person, what: `${LONG.hub} as volunteer`, days: 7, linkBase: 'https://bookings.example-community-network.org.uk/invitations/' })],
    ['help reply', HELP_TEXT],
    ['open reply', openText({ doorNames: LONG.doors, minutes: 2 })],
  ];
  // The sent text: the placeholders as the longest values they stand for (a 12-digit code, a 256-bit token).
  const rendered = (body: string) => body.split(CODE_PLACEHOLDER).join(code).split(SECRET_PLACEHOLDER).join('A'.repeat(43));

  it.each(cases)('%s', (_name, body) => {
    const sent = rendered(body);
    expect(smsSegments(sent).encoding).toBe('GSM-7');
    expect(smsSegments(sent).segments).toBeLessThanOrEqual(2);
    // Nothing was cut by the outbox's last resort.
    expect(fitSegments(body)).toBe(body);
  });

  it('keeps the door code and link out of what people see', () => {
    expect(maskBody(cases[0][1])).not.toContain(CODE_PLACEHOLDER);
    expect(maskBody(cases[0][1])).toContain('••••');
    expect(maskBody(cases[12][1])).toMatch(/invitations\/••••$/);
  });

  it('a short booking says only what is true of its code', () => {
    expect(reminderText({ title: 'Choir', roomName: 'Hall', hubName: 'Elm Hub', when: 'Tue 3 Mar 10:00 to 12:00', code: { state: 'none' } })).toBe('Reminder: Choir in Hall, Elm Hub, Tue 3 Mar 10:00 to 12:00.');
  });
});
