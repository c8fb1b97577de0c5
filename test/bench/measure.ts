/**
 * One measurement of one handler, each in fresh containers (child processes running the bundle
 * through the harness's Lambda shim; timings are taken inside the container, around `require`
 * and around each invocation).
 */
import { Subject } from './build';
import { otherPrivateKey, sessionToken } from '../harness/clerk';
import { LambdaProcess } from '../harness/lambda';
import { TestStack } from '../harness/stack';

/** Where the containers connect, and how many warm requests and burst containers to run. */
export interface Setup {
  readonly stack: TestStack;
  readonly env: Record<string, string>;
  readonly burstEnv: Record<string, string>;
  readonly warmRequests: number;
  readonly burstSize: number;
}

const bearer = (setup: Setup) => ({ Authorization: `Bearer ${sessionToken(setup.stack.key)}` });

async function container(setup: Setup, subject: Subject, env = setup.env): Promise<LambdaProcess> {
  return LambdaProcess.start(env, subject.bundle);
}

/** A request that must succeed: a failing baseline would make every figure meaningless. */
async function ok(l: LambdaProcess, path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await l.request('GET', path, headers);
  if (res.statusCode !== 200) {
    throw new Error(`GET ${path} answered ${res.statusCode}: ${JSON.stringify(res.json)}`);
  }
  return l.lastDurationMs;
}

/**
 * Before any figure: the subject refuses a forged token and one for another party, so no
 * baseline is fast for skipping the checks the others make.
 */
export async function checkVerifies(setup: Setup, subject: Subject): Promise<void> {
  const l = await container(setup, subject);
  try {
    await ok(l, '/me', bearer(setup));
    const forged = sessionToken(setup.stack.key, { signWith: otherPrivateKey() });
    const stranger = sessionToken(setup.stack.key, { claims: { azp: 'https://evil.example.net' } });
    for (const token of [forged, stranger]) {
      const res = await l.request('GET', '/me', { Authorization: `Bearer ${token}` });
      if (res.statusCode !== 401) {
        throw new Error(`${subject.name} accepted a token it must refuse (${res.statusCode})`);
      }
    }
  } finally {
    await l.stop();
  }
}

/** Module init and the first /health of a fresh container, then warm /health and /me and RSS. */
export async function coldThenWarm(setup: Setup, subject: Subject): Promise<Record<string, number | number[]>> {
  const l = await container(setup, subject);
  try {
    const firstHealth = await ok(l, '/health');
    const health: number[] = [];
    const me: number[] = [];
    const headers = bearer(setup);
    for (let i = 0; i < setup.warmRequests; i++) {
      health.push(await ok(l, '/health'));
    }
    for (let i = 0; i < setup.warmRequests; i++) {
      me.push(await ok(l, '/me', headers));
    }
    return { init: l.initMs, firstHealth, coldHealth: l.initMs + firstHealth, health, me, rss: (await l.inspect()).rss / (1024 * 1024) };
  } finally {
    await l.stop();
  }
}

/** The first /me of a fresh container: secret, TLS, SCRAM through the pooler, verification. */
export async function coldMe(setup: Setup, subject: Subject): Promise<Record<string, number>> {
  const l = await container(setup, subject);
  try {
    const firstMe = await ok(l, '/me', bearer(setup));
    return { firstMe, coldStart: l.initMs + firstMe };
  } finally {
    await l.stop();
  }
}

/** N containers started at once, each answering one /me through a pooler with a small pool. */
export async function burst(setup: Setup, subject: Subject): Promise<Record<string, number>> {
  const started = Date.now();
  const containers: LambdaProcess[] = [];
  let failed = 0;
  await Promise.all(Array.from({ length: setup.burstSize }, async () => {
    const l = await container(setup, subject, setup.burstEnv);
    containers.push(l);
    const res = await l.request('GET', '/me', bearer(setup));
    failed += res.statusCode === 200 ? 0 : 1;
  }));
  const burstMs = Date.now() - started;
  await Promise.all(containers.map((l) => l.stop()));
  return { burstMs, burstFailed: failed };
}
