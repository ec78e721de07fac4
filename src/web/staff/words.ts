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
  locked_out: 'Not checked: keypad waiting after wrong codes',
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

/** A text's state on the Messages page (the messages service's status, or the provider's word that it did not arrive). */
export const MESSAGE_STATUS: Record<string, { text: string; classes: string }> = {
  queued: { text: 'Waiting to send', classes: 'govuk-tag--blue' },
  sent: { text: 'Sent', classes: 'govuk-tag--green' },
  delivered: { text: 'Delivered', classes: 'govuk-tag--green' },
  undelivered: { text: 'Not delivered', classes: 'govuk-tag--red' },
  failed: { text: 'Failed', classes: 'govuk-tag--red' },
};

/** What a text is about, in words (the outbox's kind). */
export const MESSAGE_KIND: Record<string, string> = {
  access_code: 'Door code',
  access_code_moved: 'Door code (booking moved)',
  access_code_resend: 'Door code sent again',
  access_code_update: 'Door code changed',
  booking_moved: 'Booking moved',
  reminder: 'Reminder',
  hold_lapsing: 'Unpaid hold ending',
  hold_lapsed: 'Unpaid hold ended',
  payment_recorded: 'Payment recorded',
  invitation: 'Invitation',
  reply: 'Reply',
  staff_alert: 'Alert to staff',
  shift_reminder: 'Shift reminder',
  shift_unfilled: 'Shift short',
  tier_recheck_due: 'Rate re-check due',
};
export const messageKind = (k: string) => MESSAGE_KIND[k] ?? (k.charAt(0).toUpperCase() + k.slice(1)).replace(/_/g, ' ');
