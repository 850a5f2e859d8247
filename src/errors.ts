/** Where in a user's file something was found: shown as file:line:column. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
  /** The source line itself, shown under the message so the user sees what was read. */
  excerpt?: string;
}

export function formatLocation(where: Location): string {
  let s = where.file;
  if (where.line !== undefined) s += `:${where.line}`;
  if (where.line !== undefined && where.column !== undefined) s += `:${where.column}`;
  return s;
}

/** Base of every error sshplay raises on purpose; anything else is a bug. */
export class SshplayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input in a playbook, inventory, template or variable file: exit 4, before any host is touched. */
export class ConfigError extends SshplayError {
  readonly where?: Location;
  constructor(message: string, where?: Location, options?: { cause?: unknown }) {
    const prefix = where ? `${formatLocation(where)}: ` : '';
    const excerpt = where?.excerpt ? `\n    ${where.excerpt.trimEnd()}` : '';
    super(`${prefix}${message}${excerpt}`, options);
    this.where = where;
  }
}

/** Bad command-line options: exit 5. */
export class UsageError extends SshplayError {}

/** The transport to a host broke or never opened: the host counts as unreachable (exit 3). */
export class ConnectionError extends SshplayError {
  /** The host did not answer within the connect timeout (as opposed to refusing, or a key or login failing). */
  readonly timedOut: boolean;

  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown; timedOut?: boolean },
  ) {
    super(`${host}: ${message}`, options);
    this.timedOut = options?.timedOut ?? false;
  }
}

/** A task failed on a host: the host stops, the others go on (exit 2). */
export class TaskError extends SshplayError {}
