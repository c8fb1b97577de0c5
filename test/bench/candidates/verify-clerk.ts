/** Candidate: `verifyToken` from the main entry point of @clerk/backend (the handler's). */
import { verifyToken } from '@clerk/backend';

export async function run(token: string): Promise<string | undefined> {
  const env = process.env;
  const payload = await verifyToken(token, { jwtKey: env.CLERK_JWT_KEY, authorizedParties: env.CLERK_AUTHORIZED_PARTIES!.split(', ') });
  return payload.sub;
}
