import { userInfo } from 'node:os';
import { ConnectionError } from '../errors.js';
import type { HostConnection } from '../inventory/connection-vars.js';
import { LocalConnection } from './local.js';

/**
 * `ansible_connection: local`: the controller as a host, as the user running sshplay. Becoming another user
 * there would need sudo on the controller's own terminal: refused with the reason instead.
 */
export function openLocal(
  host: string,
  c: HostConnection,
  play: { become?: boolean; becomeUser?: string },
): LocalConnection {
  const become = c.become ?? play.become;
  const target = c.becomeUser ?? play.becomeUser ?? 'root';
  const me = userInfo().username;
  if (become && target !== me)
    throw new ConnectionError(
      host,
      `become (to ${target}) on a local connection is not supported: run sshplay as ${target}, or drop become for this host`,
    );
  return LocalConnection.open(host);
}
