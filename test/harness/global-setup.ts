import { ensureBundle } from './bundle';

/**
 * jest globalSetup: build assets/handler/api.lambda/index.js once before any test file runs when it
 * is missing or older than src/handler, src/runtime or src/contract.ts. (The handler test files
 * also call ensureBundle() themselves, so they work without this wiring.)
 */
export default function globalSetup(): void {
  ensureBundle();
}
