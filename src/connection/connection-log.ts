/**
 * Where connections say what they do, for `-vvv` (who logs in where, with which key, through which jump host, each
 * authentication method tried and the one that let the user in) and `-vvvv` (ssh2's own protocol debug lines).
 * A value handed to the connection factory, never module state. Lines name secrets only by what they are
 * ("password"), never by their content.
 */
export interface ConnectionLog {
  /** Ansible's count of -v: connection details print from 3, protocol debug from 4. */
  verbosity: number;
  /** One line about `host` (its inventory name). */
  line(host: string, text: string): void;
}

/** Connection details (ansible-playbook -vvv prints its ESTABLISH and SSH: EXEC lines at this level). */
export const CONNECTION_DETAILS = 3;
/** ssh2's protocol debug (ansible-playbook -vvvv runs ssh -vvv and prints its debug lines). */
export const PROTOCOL_DEBUG = 4;

/** The log's line function for one host when details are wanted at this level, else undefined. */
export function logFor(
  log: ConnectionLog | undefined,
  host: string,
  level: number,
): ((text: string) => void) | undefined {
  if (!log || log.verbosity < level) return undefined;
  return (text) => log.line(host, text);
}
