/**
 * The codes each operation answers with 409 or 422 (beyond those its route names itself), for the
 * OpenAPI document (src/http/openapi.ts). Kept here, by operationId, so route files stay as they
 * are; test/integration/openapi.test.ts fails when a 409 or 422 is documented without a code.
 * An empty list says the operation never answers that status, though its route lists it.
 */
const RULES = ['in_the_past', 'over_capacity', 'too_short', 'too_long', 'too_little_notice', 'too_far_ahead', 'outside_opening_hours', 'closed', 'room_inactive', 'nonexistent_local_time'];
const TAKE_PLACE = ['shift_cancelled', 'shift_started', 'signup_blocked', 'not_trained', 'rest_too_short', 'too_many_hours', 'not_a_volunteer'];
const TAKE_PLACE_CONFLICTS = ['already_signed_up', 'shift_full', 'shift_collides'];

export const OPERATION_ERROR_CODES: Record<string, Record<number, string[]>> = {
  register: { 409: ['email_taken'] },
  eraseMe: { 409: ['hand_over_first', 'last_admin'] },
  erasePerson: { 409: ['hand_over_first'] },
  updateHub: { 409: ['bookings_affected'], 422: ['cannot_cancel'] },
  roomAvailability: { 422: ['nonexistent_local_time'] },
  searchRooms: { 422: ['in_the_past', 'nonexistent_local_time'] },
  createClosure: { 409: ['bookings_affected'], 422: ['room_not_in_hub', 'cannot_cancel', 'nonexistent_local_time'] },
  verifyOrganisation: { 422: ['recheck_in_past'] },
  removeOrganisationMember: { 409: ['last_member'] },
  cancelOrganisationInvitation: { 409: ['invitation_used'] },
  acceptInvitation: { 409: ['invitation_used', 'email_taken'], 422: ['invitation_expired'] },
  createBooking: { 409: ['booking_conflict', 'hub_changed'], 422: [...RULES, 'series_start_not_in_weekdays', 'requested_hours_cap'] },
  cancelBooking: { 422: ['invalid_status'] },
  moveBooking: { 409: ['booking_conflict', 'hub_changed'], 422: [...RULES, 'invalid_status', 'price_changes', 'move_needs_approval'] },
  approveBooking: { 422: ['invalid_status'] },
  declineRequests: { 422: ['nothing_to_decline'] },
  declineBooking: { 422: ['invalid_status'] },
  setHubRateCard: { 422: ['effective_in_past'] },
  setRoomRateCard: { 422: ['effective_in_past'] },
  checkoutBooking: { 422: ['not_awaiting_payment', 'hold_lapsed'] },
  recordOfflinePayment: { 409: ['booking_changed'], 422: ['not_awaiting_payment'] },
  createDoor: { 422: ['room_not_in_hub', 'lock_provider_not_configured', 'lock_device_not_found', 'code_length_incompatible'] },
  updateDoor: { 422: ['room_not_in_hub', 'lock_provider_not_configured', 'lock_device_not_found', 'code_length_incompatible'] },
  rotateDoorDeviceKey: { 422: ['not_a_keypad_door'] },
  resendBookingAccess: { 422: ['no_access_code', 'no_contact_phone'] },
  revokeAccessCode: { 422: ['code_not_active'] },
  reissueAccessCode: { 409: ['code_superseded'], 422: ['code_not_revoked', 'booking_not_confirmed', 'code_window_closed', 'not_a_booking_code'] },
  listEntries: { 422: ['nonexistent_local_time'] },
  createShift: { 422: ['in_the_past', 'nonexistent_local_time'] },
  updateShift: { 422: ['shift_cancelled', 'shift_started', 'generated_shift', 'below_filled'] },
  cancelShift: { 422: ['shift_cancelled', 'shift_started'] },
  signUpForShift: { 409: TAKE_PLACE_CONFLICTS, 422: TAKE_PLACE },
  joinShiftWaitlist: { 409: [...TAKE_PLACE_CONFLICTS, 'shift_not_full'], 422: TAKE_PLACE },
  withdrawFromShift: { 409: [], 422: ['not_signed_up', 'withdraw_too_late'] },
  askShiftCover: { 409: [], 422: ['not_signed_up', 'shift_started', 'shift_cancelled'] },
  takeShiftCover: { 409: TAKE_PLACE_CONFLICTS, 422: [...TAKE_PLACE, 'no_cover_requested'] },
  assignToShift: { 409: TAKE_PLACE_CONFLICTS, 422: TAKE_PLACE },
  unassignFromShift: { 409: [], 422: ['not_signed_up'] },
  recordShiftAttendance: { 409: [], 422: ['not_signed_up', 'shift_not_started'] },
};
