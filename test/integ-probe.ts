// The integration tests' probe: a function outside any VPC that tries to reach the database and
// the proxy, as an attacker on the internet would. Not named integ.*, so neither integ-runner nor
// jest picks it up as a test.
import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SecureLambdaPostgres } from '../src';
import { DEFAULT_DB_PORT } from '../src/contract';

/**
 * Source of the probe function: opens a TCP connection to every target in `PROBE_TARGETS`
 * (`{ name: { host, port } }`) in parallel, each with `PROBE_TIMEOUT_MS`, and answers
 * `{ name: 'connected' | 'refused' | 'timeout' | 'unresolved' | 'error:<code>' }`. Inline, so the
 * snapshot carries no second asset; exported so a unit test can run it against local sockets.
 */
export const PROBE_HANDLER_SOURCE = `'use strict';
const net = require('net');
function probe(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    let settled = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (err) => {
      if (err.code === 'ECONNREFUSED') done('refused');
      else if (err.code === 'ETIMEDOUT') done('timeout');
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') done('unresolved');
      else done('error:' + err.code);
    });
  });
}
exports.handler = async () => {
  const targets = JSON.parse(process.env.PROBE_TARGETS || '{}');
  const timeoutMs = Number(process.env.PROBE_TIMEOUT_MS || 3000);
  const names = Object.keys(targets);
  const results = await Promise.all(names.map((name) => probe(targets[name].host, targets[name].port, timeoutMs)));
  const out = {};
  names.forEach((name, i) => { out[name] = results[i]; });
  console.log(JSON.stringify({ msg: 'probe', results: out }));
  return out;
};
`;

/** A TCP endpoint the probe tries to reach. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number | string;
}

/** Properties of `ExternalConnectionProbe`. */
export interface ExternalConnectionProbeProps {
  /** Endpoints to connect to, by the name they are reported under. */
  readonly targets: Record<string, ProbeTarget>;
  /** How long one connection attempt may take before it counts as `timeout`. @default 3 s */
  readonly connectTimeout?: Duration;
}

/**
 * A Lambda function OUTSIDE any VPC — i.e. on the internet, where an attacker would be — that
 * tries to open TCP connections to the given endpoints. The secure answer for the database and
 * the proxy is `timeout`: their names resolve to private addresses that nothing outside the VPC
 * can route to. `connected` would mean they are exposed; `refused` would mean packets reached a
 * host that answered.
 */
export class ExternalConnectionProbe extends Construct {
  public readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: ExternalConnectionProbeProps) {
    super(scope, id);
    const connectTimeout = props.connectTimeout ?? Duration.seconds(3);
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(PROBE_HANDLER_SOURCE),
      // All targets are probed in parallel; leave room for a cold start.
      timeout: Duration.seconds(connectTimeout.toSeconds() + 10),
      environment: {
        PROBE_TARGETS: Stack.of(this).toJsonString(props.targets),
        PROBE_TIMEOUT_MS: String(connectTimeout.toMilliseconds()),
      },
      description: 'Integration test: tries to reach the database and the proxy from outside the VPC',
    });
  }
}

/** A probe for the backend's database instance and proxy on 5432. */
export function probeFromOutside(scope: Construct, backend: SecureLambdaPostgres): ExternalConnectionProbe {
  return new ExternalConnectionProbe(scope, 'ExternalConnectionProbe', {
    targets: {
      database: { host: backend.databaseInstance.dbInstanceEndpointAddress, port: DEFAULT_DB_PORT },
      proxy: { host: backend.proxy.endpoint, port: DEFAULT_DB_PORT },
    },
  });
}
