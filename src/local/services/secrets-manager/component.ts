import { LocalSecretsManager } from './server';
import { ComponentStarter } from '../../platform/component-protocol';

/** Config of the Secrets Manager component. */
export interface SecretsConfig {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secrets: ReadonlyArray<{ readonly arn: string; readonly value: string }>;
}

/** The loopback Secrets Manager endpoint (JSON 1.1 protocol, SigV4-signed requests only). */
export const startSecrets: ComponentStarter = async (config: SecretsConfig, notify) => {
  const server = await LocalSecretsManager.start(config.region, config.accessKeyId, config.host, config.port);
  for (const { arn, value } of config.secrets) server.put(arn, value);
  return {
    info: { url: server.url },
    onMessage: (m) => {
      if (m.type !== 'put-secret') return;
      server.put(m.arn, m.value);
      notify({ type: 'stored', arn: m.arn });
    },
    stop: () => server.stop(),
  };
};
