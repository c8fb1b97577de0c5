/** Candidate: `verifyJwt` from `@clerk/backend/jwt`, its smallest entry point that verifies a token. */
import { verifyJwt } from '@clerk/backend/jwt';

export async function run(token: string): Promise<string | undefined> {
  const env = process.env;
  const payload = await verifyJwt(token, { key: env.CLERK_JWT_KEY!, authorizedParties: env.CLERK_AUTHORIZED_PARTIES!.split(', ') });
  return payload.sub;
}
