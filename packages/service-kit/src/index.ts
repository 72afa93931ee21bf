export * from './config';
export * from './database';
export * from './errors';
export * from './http';
export * from './lifecycle';
export * from './logger';
export * from './sidecar';
export * from './validation';
