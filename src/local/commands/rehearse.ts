import * as path from 'path';
import { stackOptions } from './options';
import { oneLine, UsageError } from '../../io';
import { discoverBackends } from '../assembly/discover';
import { BackendSpec } from '../assembly/model';
import { loopback } from '../platform/placement';
import { Supervisor } from '../platform/supervisor';
import { RunningBackend } from '../stack/backend';
import { contractChecks, HttpCall, httpFrom, Result, Row, runChecks, table } from '../stack/checks';
import { MARKER_TABLE, RehearsalData } from '../stack/rehearse-data';
import { compareAssemblies } from '../stack/rehearse-templates';
import { firstHealth, Say, startAndDescribe } from '../stack/startup';

/**
 * `local rehearse --from OLD [--assembly NEW]`: a deployment of NEW over OLD and its rollback, on
 * this machine. First the templates: a stateful resource NEW would replace or remove fails the
 * rehearsal before anything starts. Then OLD boots (roles, migrations, code) and is checked; a
 * marker row is written as the owner role; NEW is deployed as CloudFormation would (its migrations,
 * then its code) and checked; then rolled back to OLD (OLD's migration function against the newer
 * database, then OLD's code) and checked again. The marker and OLD's data must survive every step.
 * Prints one row per step and `N passed, N failed`; exit 1 when a step failed.
 */
export async function rehearse(argv: readonly string[], say: Say): Promise<number> {
  const { stack: options, parsed } = stackOptions('local rehearse', argv, { from: 'string' }, 0);
  if (parsed.from === undefined) {
    throw new UsageError('local rehearse: --from OLD_ASSEMBLY is required: the cloud assembly deployed now (NEW is --assembly, default cdk.out)');
  }
  const oldDir = path.resolve(parsed.from as string);
  const newDir = path.resolve(options.assembly);
  if (oldDir === newDir) throw new UsageError(`local rehearse: --from and --assembly are both ${oldDir}: pass the assembly deployed now to --from and the new one to --assembly`);
  const oldSpecs = discoverBackends(oldDir, options.stack);
  const newSpecs = discoverBackends(newDir, options.stack);

  const templates = compareAssemblies(oldDir, newDir, options.stack);
  templates.notes.forEach((note) => say(`note: ${note}`));
  const rows: Row[] = [...templates.rows];
  if (rows.some((r) => !r.result.ok)) {
    say('not rehearsed: NEW replaces or removes a stateful resource, and its data with it; keep the create-only properties (or retain and import the resource) first');
  } else {
    say(`rehearsing ${oldSpecs.map((s) => s.name).join(', ')}: OLD, NEW, then OLD again`);
    rows.push(...await rehearseOnStack({ ...options, assembly: oldDir }, newSpecs, say));
  }
  const shown = (dir: string) => path.relative(process.cwd(), dir) || '.';
  table(`rehearsal: OLD ${shown(oldDir)} → NEW ${shown(newDir)} → OLD`, rows).forEach((line) => say(line));
  const failed = rows.filter((r) => !r.result.ok).length;
  say(`${rows.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

/** Boot OLD and take each backend through the deployment of NEW and back. */
async function rehearseOnStack(options: Parameters<typeof startAndDescribe>[0], newSpecs: readonly BackendSpec[], say: Say): Promise<Row[]> {
  const supervisor = new Supervisor();
  const onSignal = () => void supervisor.stop().finally(() => process.exit(130));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
  const stack = await startAndDescribe(options, supervisor, say);
  const http = httpFrom(loopback('internet'));
  const rows: Row[] = [];
  try {
    const health = await firstHealth(stack.backends[0].apiUrl, http);
    say(`ready in ${health.seconds.toFixed(2)} s (first /health answered ${health.status})`);
    for (const b of stack.backends) {
      const next = newSpecs.find((s) => s.name === b.spec.name);
      const own = await rehearseBackend(b, next, stack.caFile, http, say);
      // With several backends, each row says whose it is.
      rows.push(...(stack.backends.length === 1 ? own : own.map((r) => ({ ...r, name: `${b.spec.name} ${r.name}` }))));
    }
  } finally {
    await supervisor.stop();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
  }
  return rows;
}

/** One step: its row, PASS when `run` resolves to `ok` (a throw is a FAIL with its message). */
async function step(name: string, run: () => Promise<Result>): Promise<Row> {
  return { name, result: await run().catch((err): Result => ({ ok: false, detail: oneLine(err) })) };
}

/** The checks `local verify` runs, against the code deployed now; each row named after the phase. */
async function checks(phase: string, b: RunningBackend, spec: BackendSpec, http: HttpCall): Promise<Row[]> {
  const apiUrl = b.apiUrl.replace(/[^/]+\/$/, `${spec.api.stageName}/`);
  const rows = await runChecks([{ checks: contractChecks({ ...b, spec, apiUrl }, http), sequential: true }]);
  return rows.map((r) => ({ ...r, name: `${phase}: ${r.name}` }));
}

async function rehearseBackend(b: RunningBackend, next: BackendSpec | undefined, caFile: string, http: HttpCall, say: Say): Promise<Row[]> {
  const name = b.spec.name;
  const rows: Row[] = [];
  const add = async (label: string, run: () => Promise<Result>) => {
    const row = await step(label, run);
    rows.push(row);
    return row.result.ok;
  };
  say(`${name}: OLD runs`);
  rows.push(...await checks('old', b, b.spec, http));
  let data: RehearsalData | undefined;
  await add(`old: marker row written as the owner into ${MARKER_TABLE}`, async () => {
    data = await RehearsalData.start(b, caFile);
    return { ok: true, detail: `as ${data.role} into ${data.tableName}; OLD's data: ${await data.remember()}` };
  });
  const intact = (phase: string) => add(`${phase}: marker row and OLD's data intact`, async () => {
    const lost = data ? await data.losses() : ['no marker was written'];
    return { ok: lost.length === 0, detail: lost.length === 0 ? 'nothing lost' : `lost: ${lost.join('; ')}` };
  });
  if (!next) {
    rows.push({ name: 'new: deploy', result: { ok: false, detail: `${name} is not in NEW: CloudFormation would delete it` } });
  } else {
    say(`${name}: deploying NEW (migrations, then code)`);
    const migrated = await add('new: migrations (before the code, as the trigger runs them)', async () => ({ ok: true, detail: (await b.migrate(next)).join('; ') || 'no migrations' }));
    if (migrated) {
      await add('new: code and API of NEW serving', async () => ({ ok: true, detail: [next.function.handler, ...await b.redeploy(next)].join('; ') }));
      rows.push(...await checks('new', b, next, http));
    } else {
      say(`${name}: NEW's migrations failed: CloudFormation keeps OLD's code and rolls back`);
    }
    await intact('new');
  }
  say(`${name}: rolling back to OLD (OLD's migration function against the newer database, then OLD's code)`);
  await add('rollback: OLD\'s migrations against the newer database', async () => ({ ok: true, detail: (await b.migrate(b.spec)).join('; ') || 'no migrations' }));
  await add('rollback: code and API of OLD serving', async () => ({ ok: true, detail: [b.spec.function.handler, ...await b.redeploy(b.spec)].join('; ') }));
  rows.push(...await checks('rollback', b, b.spec, http));
  await intact('rollback');
  if (data) {
    const written = data;
    await add(`cleanup: ${MARKER_TABLE} dropped`, async () => {
      await written.drop();
      return { ok: true, detail: `dropped ${written.tableName}` };
    });
  }
  return rows;
}
