/**
 * Smart locks behind a lock-provider API (Seam). Each booking's code is pushed to the lock with its
 * time window; the worker then polls its status, and deletes it on cancellation or revocation.
 * Errors are typed so the worker can tell "try again later" from "this will never work".
 */

export type LockCodeStatus = 'set' | 'setting' | 'removing' | 'unset' | 'failed' | 'unknown';

export interface CreateLockCodeInput {
  /** The provider's device id (the door's providerDeviceId). */
  deviceId: string;
  code: string;
  /** Shown in the provider's dashboard; put the booking or access-code id in it. */
  name: string;
  startsAt: Date;
  endsAt: Date;
}

export interface LockDevice {
  online: boolean;
  /** Code lengths the lock accepts, when the provider reports them (feed to codeLengthFor). */
  supportedCodeLengths?: number[];
}

export interface LockProvider {
  createCode(input: CreateLockCodeInput): Promise<{ providerCodeId: string; status: LockCodeStatus }>;
  /** Idempotent: deleting a code the provider no longer has succeeds. */
  deleteCode(input: { providerCodeId: string }): Promise<void>;
  /** Throws LockCodeNotFoundError when the provider has no such code. */
  getCode(input: { providerCodeId: string }): Promise<{ status: LockCodeStatus; errors: string[] }>;
  getDevice(deviceId: string): Promise<LockDevice>;
}

export type LockErrorCode =
  | 'duplicate_code'
  | 'device_not_found'
  | 'device_offline'
  | 'code_not_found'
  | 'unauthorized'
  | 'invalid_input'
  | 'unavailable'
  | 'provider_error';

/** Base of every lock-provider failure. `retryable` says whether the same call may succeed later. */
export class LockProviderError extends Error {
  constructor(
    readonly code: LockErrorCode,
    message: string,
    readonly retryable: boolean,
    /** The provider's own error type and HTTP status, for logs. */
    readonly providerCode?: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LockProviderError';
  }
}

/** The lock already has this code (for an overlapping period): pick another code. */
export class DuplicateLockCodeError extends LockProviderError {
  constructor(message: string, providerCode?: string, status?: number) {
    super('duplicate_code', message, false, providerCode, status);
    this.name = 'DuplicateLockCodeError';
  }
}

export class LockDeviceNotFoundError extends LockProviderError {
  constructor(message: string, providerCode?: string, status?: number) {
    super('device_not_found', message, false, providerCode, status);
    this.name = 'LockDeviceNotFoundError';
  }
}

/** The lock or its hub/bridge is offline or disconnected; may work later. */
export class LockDeviceOfflineError extends LockProviderError {
  constructor(message: string, providerCode?: string, status?: number) {
    super('device_offline', message, true, providerCode, status);
    this.name = 'LockDeviceOfflineError';
  }
}

export class LockCodeNotFoundError extends LockProviderError {
  constructor(message: string, providerCode?: string, status?: number) {
    super('code_not_found', message, false, providerCode, status);
    this.name = 'LockCodeNotFoundError';
  }
}

/** Bad API key or workspace: configuration, not the request. */
export class LockAuthError extends LockProviderError {
  constructor(message: string, providerCode?: string, status?: number) {
    super('unauthorized', message, false, providerCode, status);
    this.name = 'LockAuthError';
  }
}

/** The provider could not be reached or answered 5xx/429. */
export class LockUnavailableError extends LockProviderError {
  constructor(message: string, providerCode?: string, status?: number) {
    super('unavailable', message, true, providerCode, status);
    this.name = 'LockUnavailableError';
  }
}
