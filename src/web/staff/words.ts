/** What the staff pages call things: statuses, roles and results in words. */

export const BOOKING_STATUS: Record<string, { text: string; classes: string }> = {
  requested: { text: 'Waiting for approval', classes: 'govuk-tag--yellow' },
  awaiting_payment: { text: 'Waiting for payment', classes: 'govuk-tag--orange' },
  confirmed: { text: 'Confirmed', classes: 'govuk-tag--green' },
  completed: { text: 'Finished', classes: 'govuk-tag--grey' },
  cancelled: { text: 'Cancelled', classes: 'govuk-tag--grey' },
  declined: { text: 'Declined', classes: 'govuk-tag--red' },
  expired: { text: 'Lapsed', classes: 'govuk-tag--grey' },
};
export const bookingTag = (status: string) => BOOKING_STATUS[status] ?? { text: status, classes: 'govuk-tag--grey' };

export const ROLE_NAMES: Record<string, string> = {
  opener: 'Opener',
  closer: 'Closer',
  caretaker: 'Caretaker',
  welcome: 'Welcome',
  events: 'Events',
};

/** A keypad's answer to a code, in words. */
export const ENTRY_RESULT: Record<string, string> = {
  granted: 'Let in',
  unknown_code: 'Wrong code',
  outside_window: 'Code used outside its times',
  revoked: 'Code was revoked',
  locked_out: 'Keypad locked after wrong codes',
  inactive_door: 'Door is switched off',
};
export const entryResult = (r: string) => ENTRY_RESULT[r] ?? r.replace(/_/g, ' ');

export const PROVIDER_NAMES: Record<string, string> = { keypad: 'Hubkey keypad', seam: 'Smart lock (Seam)', none: 'No lock: staff open it' };

export const PAYMENT_STATUS: Record<string, { text: string; classes: string }> = {
  failed: { text: 'Failed', classes: 'govuk-tag--red' },
  pending: { text: 'Pending', classes: 'govuk-tag--yellow' },
  succeeded: { text: 'Paid', classes: 'govuk-tag--green' },
  paid: { text: 'Paid', classes: 'govuk-tag--green' },
  open: { text: 'Invoice open', classes: 'govuk-tag--blue' },
  void: { text: 'Void', classes: 'govuk-tag--grey' },
  refunded: { text: 'Refunded', classes: 'govuk-tag--grey' },
  sent: { text: 'Sent', classes: 'govuk-tag--green' },
};
export const paymentTag = (status: string) => PAYMENT_STATUS[status] ?? { text: status.replace(/_/g, ' '), classes: 'govuk-tag--grey' };
