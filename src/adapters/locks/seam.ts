/**
 * LockProvider over Seam Connect, through Seam's own client (@seamapi/http). `endpoint` is always
 * passed explicitly (the client would otherwise fall back to SEAM_ENDPOINT from the environment),
 * so tests point it at @seamapi/fake-seam-connect.
 *
 * The response shapes below are the few fields we read, declared locally: the client's own typings
 * live in @seamapi/types, an optional peer that pins zod 3 and so cannot sit beside our zod 4.
 */
import { SeamHttp, SeamHttpApiError, SeamHttpUnauthorizedError } from '@seamapi/http';
import {
  DuplicateLockCodeError,
  LockAuthError,
  LockCodeNotFoundError,
  LockDeviceNotFoundError,
  LockDeviceOfflineError,
  LockProviderError,
  LockUnavailableError,
  type CreateLockCodeInput,
  type LockCodeStatus,
  type LockDevice,
  type LockProvider,
} from './locks';

export type { LockProvider, LockCodeStatus, CreateLockCodeInput, LockDevice } from './locks';

export const SEAM_DEFAULT_ENDPOINT = 'https://connect.getseam.com';

export interface SeamLocksOptions {
  apiKey: string;
  /** Default https://connect.getseam.com. */
  endpoint?: string;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Retries the client makes on network errors (default 2, its own default); tests use 0. */
  retries?: number;
}

interface SeamError {
  error_code: string;
  message?: string;
}

interface SeamAccessCode {
  access_code_id: string;
  device_id: string;
  name?: string | null;
  code?: string | null;
  status: string;
  errors?: SeamError[];
  starts_at?: string;
  ends_at?: string;
}

interface SeamDevice {
  device_id: string;
  properties?: { online?: boolean; supported_code_lengths?: number[] };
  errors?: SeamError[];
}

/** Access-code error codes meaning the code will not get onto the lock without intervention. */
const FAILED_CODE_ERRORS =
  /failed_to_set|failed_to_remove|duplicate_code|no_space|invalid_code_length|code_modified_external|unsupported/;
/** Device error codes meaning the lock cannot be reached now. */
const OFFLINE_DEVICE_ERRORS = /offline|disconnected|hub_disconnected|bridge_disconnected/;

function mapStatus(code: SeamAccessCode): LockCodeStatus {
  const errors = code.errors ?? [];
  if (code.status !== 'set' && errors.some((e) => FAILED_CODE_ERRORS.test(e.error_code))) return 'failed';
  switch (code.status) {
    case 'set':
    case 'setting':
    case 'removing':
    case 'unset':
      return code.status;
    default:
      return 'unknown';
  }
}

/** Turn whatever the client threw into a LockProviderError; programming errors pass through. */
function mapError(err: unknown, context: string, codeLookup: boolean): unknown {
  if (err instanceof LockProviderError) return err;
  if (err instanceof SeamHttpUnauthorizedError) {
    return new LockAuthError(`Seam rejected the API key (${context})`, err.code, err.statusCode);
  }
  if (err instanceof SeamHttpApiError) {
    const { code, statusCode: status } = err;
    const msg = `Seam ${context}: ${err.message}`;
    if (code === 'duplicate_access_code') return new DuplicateLockCodeError(msg, code, status);
    if (code === 'device_not_found') return new LockDeviceNotFoundError(msg, code, status);
    if (code === 'access_code_not_found' || (code === 'not_found' && codeLookup)) {
      return new LockCodeNotFoundError(msg, code, status);
    }
    if (OFFLINE_DEVICE_ERRORS.test(code)) return new LockDeviceOfflineError(msg, code, status);
    if (status === 401 || status === 403) return new LockAuthError(msg, code, status);
    if (status >= 500 || status === 429 || status === 408) return new LockUnavailableError(msg, code, status);
    if (code === 'invalid_input') return new LockProviderError('invalid_input', msg, false, code, status);
    return new LockProviderError('provider_error', msg, false, code, status);
  }
  // Axios errors that were not Seam API errors: network failures, timeouts, non-JSON 5xx pages.
  const e = err as { isAxiosError?: boolean; message?: string; response?: { status?: number } } | null;
  if (e && e.isAxiosError === true) {
    const status = e.response?.status;
    if (status === undefined || status >= 500 || status === 429 || status === 408) {
      return new LockUnavailableError(`Seam unreachable (${context}): ${e.message ?? 'network error'}`, undefined, status);
    }
    return new LockProviderError('provider_error', `Seam ${context}: HTTP ${status}`, false, undefined, status);
  }
  return err;
}

export function createSeamLocks(opts: SeamLocksOptions): LockProvider {
  const { apiKey, endpoint = SEAM_DEFAULT_ENDPOINT, timeoutMs = 15_000, retries } = opts;
  const seam = SeamHttp.fromApiKey(apiKey, {
    endpoint,
    axiosOptions: { timeout: timeoutMs },
    ...(retries !== undefined ? { axiosRetryOptions: { retries } } : {}),
  });

  /** `codeLookup`: a bare 404 not_found means the access code is missing. */
  async function call<T>(context: string, fn: () => PromiseLike<unknown>, codeLookup = false): Promise<T> {
    try {
      return (await fn()) as T;
    } catch (err) {
      throw mapError(err, context, codeLookup);
    }
  }

  /** After a duplicate: the same code under the same name is our own earlier attempt (a retry). */
  async function findOwnCode(input: CreateLockCodeInput): Promise<SeamAccessCode | undefined> {
    const codes = await call<SeamAccessCode[]>('list codes', () => seam.accessCodes.list({ device_id: input.deviceId }));
    return codes.find(
      (c) =>
        c.code === input.code &&
        c.name === input.name &&
        c.starts_at !== undefined &&
        c.ends_at !== undefined &&
        new Date(c.starts_at).getTime() === input.startsAt.getTime() &&
        new Date(c.ends_at).getTime() === input.endsAt.getTime(),
    );
  }

  return {
    async createCode(input) {
      if (!(input.endsAt.getTime() > input.startsAt.getTime())) {
        throw new LockProviderError('invalid_input', 'endsAt must be after startsAt', false);
      }
      try {
        const created = await call<SeamAccessCode>('create code', () =>
          seam.accessCodes.create({
            device_id: input.deviceId,
            code: input.code,
            name: input.name,
            starts_at: input.startsAt.toISOString(),
            ends_at: input.endsAt.toISOString(),
          }),
        );
        return { providerCodeId: created.access_code_id, status: mapStatus(created) };
      } catch (err) {
        if (err instanceof DuplicateLockCodeError) {
          const own = await findOwnCode(input).catch(() => undefined);
          if (own) return { providerCodeId: own.access_code_id, status: mapStatus(own) };
        }
        throw err;
      }
    },

    async deleteCode({ providerCodeId }) {
      try {
        await call<void>('delete code', () => seam.accessCodes.delete({ access_code_id: providerCodeId }), true);
      } catch (err) {
        if (err instanceof LockCodeNotFoundError) return; // already gone
        throw err;
      }
    },

    async getCode({ providerCodeId }) {
      const code = await call<SeamAccessCode>('get code', () => seam.accessCodes.get({ access_code_id: providerCodeId }), true);
      return { status: mapStatus(code), errors: (code.errors ?? []).map((e) => e.error_code) };
    },

    async getDevice(deviceId) {
      const device = await call<SeamDevice>('get device', () => seam.devices.get({ device_id: deviceId }));
      const offline = (device.errors ?? []).some((e) => OFFLINE_DEVICE_ERRORS.test(e.error_code));
      const result: LockDevice = { online: device.properties?.online === true && !offline };
      const lengths = device.properties?.supported_code_lengths;
      if (Array.isArray(lengths) && lengths.length > 0) result.supportedCodeLengths = [...lengths];
      return result;
    },
  };
}
