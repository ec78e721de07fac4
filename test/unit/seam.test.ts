import { createFake, type Fake, type Seed } from '@seamapi/fake-seam-connect';
import { createSeamLocks } from '../../src/adapters/locks/seam';
import {
  DuplicateLockCodeError,
  LockAuthError,
  LockCodeNotFoundError,
  LockDeviceNotFoundError,
  LockProviderError,
  LockUnavailableError,
  type LockProvider,
} from '../../src/adapters/locks/locks';

let fake: Fake;
let seed: Seed;
let locks: LockProvider;
let endpoint: string;

const startsAt = new Date('2026-03-29T08:45:00Z');
const endsAt = new Date('2026-03-29T11:15:00Z');

beforeAll(async () => {
  fake = await createFake();
  seed = await fake.seed();
  await fake.startServer();
  endpoint = fake.serverUrl!;
  locks = createSeamLocks({ apiKey: seed.seam_apikey1_token, endpoint, retries: 0 });
});

afterAll(async () => {
  await fake.stopServer();
});

describe('createSeamLocks against fake-seam-connect', () => {
  it('creates a time-bound code with the window, reads it back, and deletes it', async () => {
    const created = await locks.createCode({
      deviceId: seed.august_device_1,
      code: '482913',
      name: 'booking b-1',
      startsAt,
      endsAt,
    });
    expect(created.providerCodeId).toEqual(expect.any(String));
    // A time-bound code not yet on the lock is 'unset' (Seam sets it as the window opens).
    expect(created.status).toBe('unset');

    const stored = fake.database.access_codes.find((c) => c.access_code_id === created.providerCodeId)!;
    expect(stored).toMatchObject({
      device_id: seed.august_device_1,
      code: '482913',
      name: 'booking b-1',
      type: 'time_bound',
      starts_at: startsAt.toISOString(),
      ends_at: endsAt.toISOString(),
    });

    expect(await locks.getCode({ providerCodeId: created.providerCodeId })).toEqual({ status: 'unset', errors: [] });

    fake.database.updateAccessCode({ access_code_id: created.providerCodeId, status: 'set' });
    expect(await locks.getCode({ providerCodeId: created.providerCodeId })).toEqual({ status: 'set', errors: [] });

    await locks.deleteCode({ providerCodeId: created.providerCodeId });
    expect(fake.database.access_codes.some((c) => c.access_code_id === created.providerCodeId)).toBe(false);
    await expect(locks.getCode({ providerCodeId: created.providerCodeId })).rejects.toBeInstanceOf(LockCodeNotFoundError);
    // Deleting again is not an error: the code is gone either way.
    await expect(locks.deleteCode({ providerCodeId: created.providerCodeId })).resolves.toBeUndefined();
  });

  it('maps a duplicate code on the same lock to DuplicateLockCodeError', async () => {
    await locks.createCode({ deviceId: seed.august_device_1, code: '730519', name: 'booking b-2', startsAt, endsAt });
    const err = await locks
      .createCode({ deviceId: seed.august_device_1, code: '730519', name: 'booking b-3', startsAt, endsAt })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateLockCodeError);
    expect(err).toMatchObject({ code: 'duplicate_code', retryable: false, providerCode: 'duplicate_access_code', status: 409 });
  });

  it('treats a retried create of its own code (same code, name and window) as success', async () => {
    const first = await locks.createCode({ deviceId: seed.august_device_2, code: '905172', name: 'booking b-4', startsAt, endsAt });
    const again = await locks.createCode({ deviceId: seed.august_device_2, code: '905172', name: 'booking b-4', startsAt, endsAt });
    expect(again.providerCodeId).toBe(first.providerCodeId);
  });

  it('maps an unknown device to LockDeviceNotFoundError', async () => {
    await expect(
      locks.createCode({ deviceId: 'no_such_device', code: '382910', name: 'x', startsAt, endsAt }),
    ).rejects.toBeInstanceOf(LockDeviceNotFoundError);
    await expect(locks.getDevice('no_such_device')).rejects.toBeInstanceOf(LockDeviceNotFoundError);
  });

  it('reports a device online, then offline', async () => {
    expect(await locks.getDevice(seed.august_device_1)).toMatchObject({ online: true });
    fake.database.updateDevice({ device_id: seed.august_device_1, properties: { online: false } });
    try {
      expect(await locks.getDevice(seed.august_device_1)).toMatchObject({ online: false });
    } finally {
      fake.database.updateDevice({ device_id: seed.august_device_1, properties: { online: true } });
    }
  });

  it("reports a code the lock refused as 'failed' with the provider's error codes", async () => {
    const created = await locks.createCode({ deviceId: seed.august_device_1, code: '615284', name: 'b-5', startsAt, endsAt });
    fake.database.updateAccessCode({
      access_code_id: created.providerCodeId,
      status: 'setting',
      errors: [{ error_code: 'failed_to_set_on_device', message: 'Failed to set code on device' }],
    } as Parameters<Fake['database']['updateAccessCode']>[0]);
    expect(await locks.getCode({ providerCodeId: created.providerCodeId })).toEqual({
      status: 'failed',
      errors: ['failed_to_set_on_device'],
    });
  });

  it('rejects a window that ends before it starts without calling Seam', async () => {
    await expect(
      locks.createCode({ deviceId: seed.august_device_1, code: '271828', name: 'x', startsAt: endsAt, endsAt: startsAt }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('maps a bad API key to LockAuthError', async () => {
    const bad = createSeamLocks({ apiKey: 'seam_not_a_real_key', endpoint, retries: 0 });
    const err = await bad.getDevice(seed.august_device_1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockAuthError);
    expect(err).toMatchObject({ retryable: false });
  });

  it('maps a Seam outage (5xx) to a retryable LockUnavailableError', async () => {
    fake.database.simulateWorkspaceOutage(seed.seed_workspace_1, { routes: ['/devices/get'] });
    try {
      const err = await locks.getDevice(seed.august_device_1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockUnavailableError);
      expect(err).toMatchObject({ retryable: true });
      expect((err as LockUnavailableError).status).toBeGreaterThanOrEqual(500);
    } finally {
      fake.database.simulateWorkspaceOutageRecovery(seed.seed_workspace_1);
    }
    expect(await locks.getDevice(seed.august_device_1)).toMatchObject({ online: true });
  });

  it('passes on the code lengths a lock reports', async () => {
    fake.database.updateDevice({ device_id: seed.august_device_2, properties: { supported_code_lengths: [4, 5, 6] } });
    expect(await locks.getDevice(seed.august_device_2)).toEqual({ online: true, supportedCodeLengths: [4, 5, 6] });
  });

  it('maps an unreachable endpoint to a retryable LockUnavailableError', async () => {
    // A port that was just free: nothing listens there.
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as import('node:net').AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const down = createSeamLocks({ apiKey: seed.seam_apikey1_token, endpoint: `http://127.0.0.1:${port}`, retries: 0 });
    const err = await down.getDevice(seed.august_device_1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockUnavailableError);
    expect(err).toBeInstanceOf(LockProviderError);
    expect(err).toMatchObject({ retryable: true });
  });
});
