export * from './people';
export * from './venues';
export * from './organisations';
export * from './bookings';
export * from './access';
export * from './notifications';
export * from './pricing';
export * from './payments';
