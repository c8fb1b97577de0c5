import { ensureBundle } from './bundle';

/**
 * jest globalSetup: build assets/handler/api.lambda/index.js and assets/migrations/migrate.lambda/
 * index.js once before any test file runs when they are missing or older than their sources
 * (every synth needs both). (The handler test files also call ensureBundle() themselves, so they
 * work without this wiring.)
 */
export default function globalSetup(): void {
  ensureBundle();
}
