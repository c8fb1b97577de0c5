import { FrontOptions, startFront } from './front';
import { IamTokenCheck, verifyIamToken } from './iam-token';
import { ComponentStarter } from '../../platform/component-protocol';

/** The front's configuration as the supervisor sends it (plain data: no functions). */
export interface RdsProxyConfig extends Omit<FrontOptions, 'verifyPassword' | 'onPin'> {
  /**
   * IAM authentication (`DefaultAuthScheme: IAM_AUTH`): what a client's token must match, less
   * the user (the startup message's). Undefined: password authentication.
   */
  readonly iam?: Omit<IamTokenCheck, 'user' | 'now'>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** The check of a client's password when it is an IAM token: RDS Proxy's text, or undefined. */
function iamVerifier(iam: NonNullable<RdsProxyConfig['iam']>): FrontOptions['verifyPassword'] {
  return (user, token) => {
    const result = verifyIamToken(token, { ...iam, user });
    if (result.ok) return undefined;
    // RDS Proxy logs why with debug logging; the client gets the one text.
    log(`RDS Proxy: IAM authentication refused for ${user}: ${result.reason}`);
    return result.message;
  };
}

/**
 * The local RDS Proxy's client side as a component, so that it runs where the template puts the
 * proxy (its namespace under --isolate): pinned sessions are reported to the supervisor.
 */
export const startRdsProxy: ComponentStarter = async (config: RdsProxyConfig, notify) => {
  const front = await startFront({
    ...config,
    verifyPassword: config.iam && iamVerifier(config.iam),
    onPin: (user, pin) => {
      // One line per newly pinned session, as RDS Proxy logs it (values redacted).
      log(`RDS Proxy: the session of ${user} is pinned to its database connection until it disconnects (${pin.kind}): ${pin.excerpt}`);
      notify({ type: 'pinned', user, kind: pin.kind, excerpt: pin.excerpt });
    },
  });
  return {
    info: { port: front.port },
    onMessage: (m) => {
      if (m.type === 'put-users') front.setUsers(m.users);
    },
    stop: () => front.close(),
  };
};
