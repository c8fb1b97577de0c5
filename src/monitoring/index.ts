export * from './options';
export * from './alarms';
export * from './dashboard';
