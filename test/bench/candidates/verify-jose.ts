/** Candidate: jose's `jwtVerify` with the PEM key (the floor's). */
// @ts-expect-error TS1479 (jose 6 ships only ES modules; esbuild bundles it, see baselines/floor.ts)
import { importSPKI, jwtVerify } from 'jose';

export async function run(token: string): Promise<string | undefined> {
  const env = process.env;
  const { payload } = await jwtVerify(token, await importSPKI(env.CLERK_JWT_KEY!, 'RS256'), { algorithms: ['RS256'] });
  return env.CLERK_AUTHORIZED_PARTIES!.split(', ').includes(String(payload.azp)) ? payload.sub : undefined;
}
