export * from './people';
export * from './venues';
export * from './organisations';
export * from './bookings';
