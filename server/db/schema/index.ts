export * from './organizations.ts';
export * from './accounts.ts';
export * from './catalog.ts';
export * from './media.ts';
export * from './playback.ts';
export * from './plans.ts';
export * from './audit.ts';
export * from './jobs.ts';
