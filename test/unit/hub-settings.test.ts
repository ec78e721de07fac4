import { bookingHorizon } from '../../src/modules/venues/availability.fns';
import { DEFAULT_SETTINGS, SETTING_LIMITS, hubSettingsPatchSchema, hubSettingsSchema, openingHoursPatchSchema } from '../../src/modules/venues/venues.types';

describe('hubSettingsPatchSchema', () => {
  it('fills in nothing that was not named', () => {
    expect(hubSettingsPatchSchema.parse({})).toEqual({});
    expect(hubSettingsPatchSchema.parse({ codeLeadMinutes: 60 })).toEqual({ codeLeadMinutes: 60 });
    expect(hubSettingsPatchSchema.parse({ approval: 'all', cancellationPolicy: [] })).toEqual({ approval: 'all', cancellationPolicy: [] });
  });

  it.each(Object.entries(SETTING_LIMITS))('checks %s against the one limit, as the full schema does', (name, { min, max }) => {
    for (const schema of [hubSettingsPatchSchema, hubSettingsSchema]) {
      expect(schema.safeParse({ [name]: min }).success).toBe(true);
      expect(schema.safeParse({ [name]: max }).success).toBe(true);
      expect(schema.safeParse({ [name]: max + 1 }).success).toBe(false);
      expect(schema.safeParse({ [name]: min - 1 }).success).toBe(false);
      expect(schema.safeParse({ [name]: min + 0.5 }).success).toBe(false);
    }
  });

  it('refuses unknown settings', () => {
    expect(hubSettingsPatchSchema.safeParse({ holdMinuets: 30 }).success).toBe(false);
  });

  it('has a default for every limited setting', () => {
    for (const name of Object.keys(SETTING_LIMITS)) expect(DEFAULT_SETTINGS).toHaveProperty(name);
  });
});

describe('openingHoursPatchSchema', () => {
  it('keeps only the days named, and checks them', () => {
    expect(openingHoursPatchSchema.parse({ sunday: [] })).toEqual({ sunday: [] });
    expect(openingHoursPatchSchema.safeParse({ monday: [{ opens: '09:00', closes: '12:00' }, { opens: '11:00', closes: '13:00' }] }).success).toBe(false);
    expect(openingHoursPatchSchema.safeParse({ someday: [] }).success).toBe(false);
  });
});

describe('bookingHorizon', () => {
  const now = new Date('2026-03-02T09:00:00Z');
  it.each([
    [{ minNoticeMinutes: 60, maxAdvanceDays: 1 }, false, '2026-03-02T10:00:00.000Z', '2026-03-03T09:00:00.000Z'],
    [{ minNoticeMinutes: 60, maxAdvanceDays: 1 }, true, '2026-03-02T09:00:00.000Z', '2026-03-03T09:00:00.000Z'],
    [{ minNoticeMinutes: 0, maxAdvanceDays: 365 }, false, '2026-03-02T09:00:00.000Z', '2027-03-02T09:00:00.000Z'],
  ])('%j (staff: %s) runs from %s to %s', (settings, byStaff, earliest, latest) => {
    const h = bookingHorizon(settings, now, byStaff);
    expect([h.earliest.toISOString(), h.latest.toISOString()]).toEqual([earliest, latest]);
  });
});
