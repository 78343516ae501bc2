import type { AsteriskNode } from '../../config/config.js';
import type { Logger } from '../../shared/logger.js';
import { AriClient, type AriClientOptions } from '../ari/client.js';
import { AmiClient } from './client.js';
import type { AmiClientOptions } from './connection.js';

type AmiTuning = Omit<AmiClientOptions, 'host' | 'port' | 'username' | 'secret' | 'tls' | 'logger'>;
type AriTuning = Omit<AriClientOptions, 'baseUrl' | 'username' | 'password' | 'app' | 'logger'>;

export interface AsteriskClientsOptions {
  /** Stasis app name (CTI_ARI_APP). */
  app: string;
  logger: Logger;
  /** Prefix of AMI ActionIDs; the node index is appended so ids say which node they went to. */
  instanceId?: string;
  ami?: AmiTuning;
  ari?: AriTuning;
}

export interface AsteriskClients {
  node: AsteriskNode;
  ami: AmiClient;
  ari: AriClient;
}

/** Builds (does not start) the AMI and ARI clients of one configured node. */
export function createAsteriskClients(node: AsteriskNode, options: AsteriskClientsOptions): AsteriskClients {
  const logger = options.logger.child({ node: node.index });
  const ami = new AmiClient({
    ...options.ami,
    host: node.ami.host,
    port: node.ami.port,
    username: node.ami.username,
    secret: node.ami.secret,
    tls: node.ami.tls,
    logger,
    instanceId: options.instanceId === undefined ? options.ami?.instanceId : `${options.instanceId}.${node.index}`,
  });
  const ari = new AriClient({
    ...options.ari,
    baseUrl: node.ari.baseUrl,
    username: node.ari.username,
    password: node.ari.password,
    app: options.app,
    logger,
  });
  return { node, ami, ari };
}
