/**
 * The one function of `@clerk/backend` the verifier uses, in a module of its own so that
 * `clerk.ts` can load it on the first verification rather than at module init (see there).
 */
export { verifyToken } from '@clerk/backend';
