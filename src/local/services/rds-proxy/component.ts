import { FrontOptions, startFront } from './front';
import { ComponentStarter } from '../../platform/component-protocol';

/** The front's configuration as the supervisor sends it (plain data: no functions). */
export type RdsProxyConfig = Omit<FrontOptions, 'verifyPassword' | 'onPin'>;

/**
 * The local RDS Proxy's client side as a component, so that it runs where the template puts the
 * proxy (its namespace under --isolate): pinned sessions are reported to the supervisor.
 */
export const startRdsProxy: ComponentStarter = async (config: RdsProxyConfig, notify) => {
  const front = await startFront({
    ...config,
    onPin: (user, pin) => {
      // One line per newly pinned session, as RDS Proxy logs it (values redacted).
      process.stdout.write(`RDS Proxy: the session of ${user} is pinned to its database connection until it disconnects (${pin.kind}): ${pin.excerpt}\n`);
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
