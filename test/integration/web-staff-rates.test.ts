import { and, eq, isNull } from 'drizzle-orm';
import { rateCards } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { HTML, csrfOf, signedInCookie } from '../helpers/web';
import { makeRoom, makeWorld } from '../helpers/factories';
import { RATES, seedCard } from '../helpers/pricing';

/**
 * The staff rate-card pages and rooms' own cards, over HTTP against the real database: the cards
 * page lists the hub's rooms with their own rates (and no other hub's), and the new-card form
 * sets one room's card through the pricing service; a refused or wrong request saves nothing.
 * Today is 2 March 2026 (TEST_NOW).
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const signIn = (email: string) => signedInCookie(t, email);

const OWN = { community: { hourlyPence: 500 }, national_charity: { hourlyPence: 700 }, statutory: { hourlyPence: 900 }, private: { hourlyPence: 1100 } };

/** A world whose hub has a card (from 1 January 2026); Hall has its own, Snug uses the hub's; the other hub's room has its own. */
async function world() {
  const w = await makeWorld(t);
  await seedCard(t, w.hub.id, { effectiveFrom: '2026-01-01' });
  // Hall: an old own card (superseded), the one in force (from 1 February) and one coming up (1 April).
  await seedCard(t, w.hub.id, { roomId: w.room.id, effectiveFrom: '2026-01-01', tiers: { ...OWN, private: { hourlyPence: 9900 } } });
  await seedCard(t, w.hub.id, { roomId: w.room.id, effectiveFrom: '2026-02-01', tiers: OWN, minimumChargePence: 1500 });
  await seedCard(t, w.hub.id, { roomId: w.room.id, effectiveFrom: '2026-04-01', tiers: { ...OWN, private: { hourlyPence: 1300 } } });
  const closed = await makeRoom(t, w.hub.id, { name: 'Old Kitchen', active: false });
  const elsewhere = await makeRoom(t, w.otherHub.id, { name: 'Faraway Studio' });
  await seedCard(t, w.otherHub.id, { effectiveFrom: '2026-01-01' });
  await seedCard(t, w.otherHub.id, { roomId: elsewhere.id, effectiveFrom: '2026-01-01', tiers: { ...OWN, private: { hourlyPence: 7777 } } });
  return { ...w, closed, elsewhere };
}

/** The part of a page from the element with this id to the end (a room's part ends with its link to set its rates). */
function section(html: string, id: string, end = 'Set this room’s own rates') {
  const at = html.indexOf(`id="${id}"`);
  expect(at).toBeGreaterThan(-1);
  const to = html.indexOf(end, at);
  expect(to).toBeGreaterThan(at);
  return html.slice(at, to + end.length);
}
const words = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;|&rsquo;/g, '’').replace(/\s+/g, ' ').trim();
const cardsAtHub = (hubId: string) => t.container.database.db.select().from(rateCards).where(eq(rateCards.hubId, hubId));
const roomCards = (roomId: string) => t.container.database.db.select().from(rateCards).where(eq(rateCards.roomId, roomId));
const newCardUrl = (hubId: string, roomId: string) => `/staff/rate-cards/new?hub=${hubId}&room=${roomId}`;
const form = (csrf: string, over: Record<string, string> = {}) => ({
  _csrf: csrf,
  'from-day': '2',
  'from-month': '3',
  'from-year': '2026',
  community: '4.00',
  national_charity: '6',
  statutory: '£8.50',
  private: '16.00',
  minimum: '0',
  action: 'save',
  ...over,
});

describe('/staff/rate-cards: rooms with their own rates', () => {
  it('lists each room’s own card in force and coming up, the rooms that use the hub’s card, and no other hub’s rooms', async () => {
    const w = await world();
    const staff = await signIn(w.staff.email);
    const res = await t.http.get(`/staff/rate-cards?hub=${w.hub.id}`).set(HTML).set('cookie', staff);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Rooms with their own rates');
    expect(words(res.text)).toContain('These rooms are priced by their own card, not the hub’s, while their own card is in force.');
    expect(words(res.text)).toContain('1 room has its own rates');

    const hall = words(section(res.text, `room-${w.room.id}`));
    expect(hall).toContain('Hall: hourly rates from 1 February 2026');
    expect(hall).toContain('Community group £5.00');
    expect(hall).toContain('Private or business £11.00');
    expect(hall).toContain('Minimum charge for a booking: £15.00');
    expect(hall).toContain('Hall, coming up: hourly rates from 1 April 2026');
    expect(hall).toContain('Private or business £13.00');
    expect(hall).not.toContain('£99.00'); // the superseded card
    expect(hall).not.toContain('1 January 2026');
    expect(section(res.text, `room-${w.room.id}`)).toContain(`href="/staff/rate-cards/new?hub=${w.hub.id}&amp;room=${w.room.id}"`);

    // Snug has no card of its own: the hub's prices it, and it can get its own.
    const snug = section(res.text, `room-${w.smallRoom.id}`, '</li>');
    expect(words(snug)).toContain('Snug uses the hub’s card. Set this room’s own rates');
    expect(snug).toContain(`href="/staff/rate-cards/new?hub=${w.hub.id}&amp;room=${w.smallRoom.id}"`);
    // A closed room without its own card is not offered; no other hub's room or card shows.
    expect(res.text).not.toContain('Old Kitchen');
    expect(res.text).not.toContain('Faraway Studio');
    expect(res.text).not.toContain(w.elsewhere.id);
    expect(res.text).not.toContain('£77.77');

    // The other hub's staff see their room's own card and none of this hub's.
    const other = await signIn(w.otherStaff.email);
    const theirs = await t.http.get('/staff/rate-cards').set(HTML).set('cookie', other);
    expect(theirs.status).toBe(200);
    expect(words(section(theirs.text, `room-${w.elsewhere.id}`))).toContain('Private or business £77.77');
    expect(theirs.text).not.toContain(w.room.id);
    expect(theirs.text).not.toContain(w.smallRoom.id);
  });

  it('says when no room has its own rates', async () => {
    const w = await makeWorld(t);
    await seedCard(t, w.hub.id, { effectiveFrom: '2026-01-01' });
    const res = await t.http.get(`/staff/rate-cards?hub=${w.hub.id}`).set(HTML).set('cookie', await signIn(w.staff.email));
    expect(res.status).toBe(200);
    expect(words(res.text)).toContain('No room has its own rates: the hub’s card prices every room.');
    expect(words(res.text)).toContain('Hall uses the hub’s card.');
  });
});

describe('/staff/rate-cards/new?room=: a room’s own card', () => {
  it('starts from the hub’s card for a room without its own, previews, then saves one card for that room which its quotes then use', async () => {
    const w = await world();
    const staff = await signIn(w.staff.email);
    const page = await t.http.get(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', staff);
    expect(page.status).toBe(200);
    expect(page.text).toContain('New rate card for Snug');
    expect(words(page.text)).toContain('The rates below are the hub’s card, which prices this room now.');
    expect(page.text).toMatch(/id="community" name="community" type="text" (spellcheck="false" )?value="10.00"/);
    expect(page.text).toContain(`action="/staff/rate-cards/new?hub=${w.hub.id}&amp;room=${w.smallRoom.id}"`);
    const csrf = csrfOf(page.text);
    const before = (await cardsAtHub(w.hub.id)).length;

    const preview = await t.http.post(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', staff).type('form').send(form(csrf, { action: 'preview' }));
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('What typical bookings would cost from 2 March 2026');
    expect(await cardsAtHub(w.hub.id)).toHaveLength(before);

    const saved = await t.http.post(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', staff).type('form').send(form(csrf));
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/staff/rate-cards?hub=${w.hub.id}`);
    const rows = await roomCards(w.smallRoom.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ hubId: w.hub.id, effectiveFrom: '2026-03-02', minimumChargePence: 0, createdBy: w.staff.id, tiers: { community: { hourlyPence: 400 }, national_charity: { hourlyPence: 600 }, statutory: { hourlyPence: 850 }, private: { hourlyPence: 1600 } } });
    expect(await cardsAtHub(w.hub.id)).toHaveLength(before + 1);
    expect(await t.container.database.db.select().from(rateCards).where(and(eq(rateCards.hubId, w.hub.id), isNull(rateCards.roomId)))).toHaveLength(1);

    // The room's quote now uses its own card; Hall keeps its own and the hub's card is unchanged.
    const quote = (roomId: string) => t.http.get(`/rooms/${roomId}/quote`).set(w.hirer.auth).query({ organisationId: w.org.id, startsAt: '2026-03-10T10:00:00', endsAt: '2026-03-10T12:00:00' });
    const snugQuote = await quote(w.smallRoom.id);
    expect(snugQuote.status).toBe(200);
    expect(snugQuote.body).toMatchObject({ amountPence: 3200, rateCardId: rows[0].id, rateCardScope: 'room' });
    expect((await quote(w.room.id)).body).toMatchObject({ amountPence: 2200, rateCardScope: 'room' });
    expect((await t.container.services.pricing.getHubCard((await t.container.repos.users.loadActor(w.staff.id))!, w.hub.id)).current?.tiers.private).toEqual(RATES.private);

    // The cards page now lists Snug with its own card, and says it was saved.
    const cards = await t.http.get(saved.headers.location).set(HTML).set('cookie', staff);
    expect(cards.text).toContain('New rate card saved for Snug');
    expect(words(section(cards.text, `room-${w.smallRoom.id}`))).toContain('Snug: hourly rates from 2 March 2026');
    expect(words(cards.text)).toContain('2 rooms have their own rates');
  });

  it('starts from the room’s newest own card when it has one', async () => {
    const w = await world();
    const staff = await signIn(w.staff.email);
    const page = await t.http.get(newCardUrl(w.hub.id, w.room.id)).set(HTML).set('cookie', staff);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/id="private" name="private" type="text" (spellcheck="false" )?value="13.00"/);
    expect(page.text).not.toContain('The rates below are the hub’s card');
  });

  it('bad input re-renders with the error summary (400) and saves nothing', async () => {
    const w = await world();
    const staff = await signIn(w.staff.email);
    const csrf = csrfOf((await t.http.get(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', staff)).text);
    const before = (await cardsAtHub(w.hub.id)).length;
    const bad: Record<string, string>[] = [
      { community: '', private: 'lots' },
      { 'from-day': '1', 'from-month': '3', 'from-year': '2026' }, // yesterday
      { 'from-day': '31', 'from-month': '2', 'from-year': '2027' },
      { minimum: '-5' },
    ];
    for (const over of bad) {
      const res = await t.http.post(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', staff).type('form').send(form(csrf, over));
      expect({ over, status: res.status }).toEqual({ over, status: 400 });
      expect(res.text).toContain('govuk-error-summary');
      expect(res.text).toContain('New rate card for Snug');
    }
    expect(await cardsAtHub(w.hub.id)).toHaveLength(before);
    expect(await roomCards(w.smallRoom.id)).toHaveLength(0);
  });

  it('a made-up room, a room of another hub, another hub’s staff (404) and a hirer (403) save nothing', async () => {
    const w = await world();
    const staff = await signIn(w.staff.email);
    const csrf = csrfOf((await t.http.get(`/staff/rate-cards?hub=${w.hub.id}`).set(HTML).set('cookie', staff)).text);
    const madeUp = '0b7c1f7e-9a51-4a5c-9a57-0e1f0d7d2c11';
    for (const url of [newCardUrl(w.hub.id, madeUp), newCardUrl(w.hub.id, 'not-a-room'), newCardUrl(w.hub.id, w.elsewhere.id)]) {
      expect({ url, status: (await t.http.get(url).set(HTML).set('cookie', staff)).status }).toEqual({ url, status: 404 });
      const post = await t.http.post(url).set(HTML).set('cookie', staff).type('form').send(form(csrf));
      expect({ url, status: post.status }).toEqual({ url, status: 404 });
    }

    const other = await signIn(w.otherStaff.email);
    const otherCsrf = csrfOf((await t.http.get('/staff/rate-cards').set(HTML).set('cookie', other)).text);
    expect((await t.http.get(`/staff/rate-cards?hub=${w.hub.id}`).set(HTML).set('cookie', other)).status).toBe(404);
    for (const url of [newCardUrl(w.hub.id, w.smallRoom.id), newCardUrl(w.otherHub.id, w.smallRoom.id)]) {
      expect({ url, status: (await t.http.get(url).set(HTML).set('cookie', other)).status }).toEqual({ url, status: 404 });
      const post = await t.http.post(url).set(HTML).set('cookie', other).type('form').send(form(otherCsrf));
      expect({ url, status: post.status }).toEqual({ url, status: 404 });
    }

    const hirer = await signIn(w.hirer.email);
    const refusal = await t.http.get(`/staff/rate-cards?hub=${w.hub.id}`).set(HTML).set('cookie', hirer);
    expect(refusal.status).toBe(403);
    expect((await t.http.get(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', hirer)).status).toBe(403);
    const hirerCsrf = csrfOf((await t.http.get('/account').set(HTML).set('cookie', hirer)).text);
    expect((await t.http.post(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', hirer).type('form').send(form(hirerCsrf))).status).toBe(403);

    // Without the form's CSRF token, staff of the hub save nothing either.
    const forged = await t.http.post(newCardUrl(w.hub.id, w.smallRoom.id)).set(HTML).set('cookie', staff).type('form').send(form('forged'));
    expect(forged.status).toBe(403);

    expect(await roomCards(w.smallRoom.id)).toHaveLength(0);
    expect(await roomCards(w.elsewhere.id)).toHaveLength(1);
    expect(await cardsAtHub(w.hub.id)).toHaveLength(4);
    expect(await cardsAtHub(w.otherHub.id)).toHaveLength(2);
  });
});
