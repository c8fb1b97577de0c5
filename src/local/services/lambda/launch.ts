import * as fs from 'fs';
import * as path from 'path';
import { PythonRuntime, pythonRuntime } from './awslambdaric';
import { RuntimeLaunch } from './container';
import { UsageError } from '../../../io';
import { BackendSpec, FunctionSpec } from '../../assembly/model';
import { runtimeFamily } from '../../assembly/runtimes';

/** What this machine provides for the functions' runtimes, found once per run. */
export interface RuntimeSupport {
  readonly python?: PythonRuntime;
}

/** Find (or install once) what the backends' runtimes need: awslambdaric when a function runs on Python. */
export async function prepareRuntimes(specs: readonly BackendSpec[], say: (line: string) => void): Promise<RuntimeSupport> {
  const python = specs.some((s) => runtimeFamily(s.function.runtime) === 'python');
  return python ? { python: await pythonRuntime(say) } : {};
}

/** How a function's containers start: a Runtime API launch (none: the Node.js worker) and what it adds to the environment. */
export interface FunctionLaunch {
  readonly launch?: RuntimeLaunch;
  readonly env: Readonly<Record<string, string>>;
  /** A line for the user on what runs the function, when it differs from what the template names. */
  readonly note?: string;
}

/** The main class of AWS's Java runtime interface client (com.amazonaws:aws-lambda-java-runtime-interface-client). */
const JAVA_RIC_MAIN = 'com.amazonaws.services.lambda.runtime.api.client.AWSLambda';
const JAVA_RIC_JAR = /^aws-lambda-java-runtime-interface-client-.*\.jar$/;

/**
 * Starts each runtime as Lambda does: Node.js in the local worker; Python as `python3 -m
 * awslambdaric <handler>` with the code on PYTHONPATH; `provided` runtimes as the asset's
 * `bootstrap`; Java with AWS's runtime interface client, which the asset must carry (Lambda's
 * managed Java runtime has it built in; here it comes with the code). Throws a UsageError saying
 * what is missing. See https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html.
 */
export function functionLaunch(fn: FunctionSpec, codeDir: string, support: RuntimeSupport): FunctionLaunch {
  const family = runtimeFamily(fn.runtime);
  if (family === 'python') return pythonLaunch(fn, codeDir, support.python);
  if (family === 'provided') return providedLaunch(fn, codeDir);
  if (family === 'java') return javaLaunch(fn, codeDir);
  const wanted = /^nodejs(\d+)\.x$/.exec(fn.runtime)?.[1];
  return { env: {}, note: wanted === process.versions.node.split('.')[0] ? undefined : `runtime: the template asks for ${fn.runtime}; the containers run this machine's Node.js ${process.versions.node}` };
}

function pythonLaunch(fn: FunctionSpec, codeDir: string, python: PythonRuntime | undefined): FunctionLaunch {
  if (!python) throw new Error('the Python runtime was not prepared before the function started');
  const ric = python.ricDir ? `awslambdaric from ${python.ricDir}` : 'its own awslambdaric';
  return {
    launch: { command: python.python, args: ['-m', 'awslambdaric', fn.handler] },
    // Unbuffered: the function's log lines reach the terminal as it writes them, as in CloudWatch.
    env: { PYTHONPATH: [codeDir, ...(python.ricDir ? [python.ricDir] : [])].join(path.delimiter), PYTHONUNBUFFERED: '1' },
    note: `runtime: ${fn.runtime} runs on this machine's Python ${python.version} with ${ric}`,
  };
}

function providedLaunch(fn: FunctionSpec, codeDir: string): FunctionLaunch {
  const bootstrap = path.join(codeDir, 'bootstrap');
  try {
    fs.accessSync(bootstrap, fs.constants.X_OK);
  } catch {
    throw new UsageError(`the function's runtime is ${fn.runtime} and its code has no executable bootstrap (${bootstrap}): build your handler as a file named bootstrap at the asset's root`);
  }
  return { launch: { command: bootstrap, args: [] }, env: {}, note: `runtime: ${fn.runtime}: the asset's bootstrap runs on this machine (${process.platform}/${process.arch})` };
}

function javaLaunch(fn: FunctionSpec, codeDir: string): FunctionLaunch {
  const libDir = path.join(codeDir, 'lib');
  const jars = [codeDir, libDir].flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d) : []));
  if (!jars.some((j) => JAVA_RIC_JAR.test(j))) {
    throw new UsageError(`the function's runtime is ${fn.runtime}: add com.amazonaws:aws-lambda-java-runtime-interface-client to its dependencies so its jar is in the asset's lib/ (the local stack starts ${JAVA_RIC_MAIN} from it, as Lambda's Java runtime does)`);
  }
  return {
    launch: { command: 'java', args: ['-cp', [codeDir, path.join(libDir, '*')].join(path.delimiter), JAVA_RIC_MAIN, fn.handler] },
    env: {},
    note: `runtime: ${fn.runtime} runs on this machine's java with the runtime interface client from the asset`,
  };
}
