export * from './text';
export * from './money';
export * from './currency';
export * from './customer';
export * from './payment-request';
export * from './payment-confirmed';
export * from './trace-context';
export * from './cloud-event';
