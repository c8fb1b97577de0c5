export * from './secure-lambda-postgres';
export * from './api-options';
export * from './network';
export * from './database';
export * from './function';
export * from './endpoints';
export * from './bastion';
