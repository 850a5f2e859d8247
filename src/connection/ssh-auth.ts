import type { AnyAuthMethod, AuthenticationType, NextAuthHandler } from 'ssh2';

/** One way to log in that a target offers, as messages name it: `publickey (/root/.ssh/id_ed25519)`, `agent`, `password`. */
export interface AuthMethod {
  type: 'publickey' | 'agent' | 'password';
  label: string;
  /** What is sent to ssh2 for it (a key parsed once for the run); by default its type, ssh2 taking the rest from its config. */
  login?: AnyAuthMethod;
}

/**
 * What a target can log in with, in OpenSSH's order (PreferredAuthentications: publickey before password):
 * its key file, then the ssh-agent's keys, then a password. Never the secrets themselves, only their names.
 */
export function authMethodsOf(target: { privateKeyFile?: string; password?: string }, agent?: string): AuthMethod[] {
  const methods: AuthMethod[] = [];
  if (target.privateKeyFile) methods.push({ type: 'publickey', label: `publickey (${target.privateKeyFile})` });
  if (agent) methods.push({ type: 'agent', label: `agent (${agent})` });
  if (target.password !== undefined) methods.push({ type: 'password', label: 'password' });
  return methods;
}

/**
 * ssh2's authHandler for one login, and its record: asks `none` first (as OpenSSH does, to learn which methods the
 * server accepts), then each method in order that the server accepts, and remembers what was tried, what the
 * server refused to even consider and which one let the user in.
 */
export class AuthAttempts {
  /** Labels of the methods sent to the server, in order. */
  readonly tried: string[] = [];
  /** Labels of the methods passed over because the server does not accept them. */
  readonly notOffered: string[] = [];
  /** What the server said it accepts, at its last refusal (null before the first). */
  serverAccepts: AuthenticationType[] | null = null;
  private current: AuthMethod | 'none' | undefined;
  private next = 0;

  constructor(
    private readonly methods: readonly AuthMethod[],
    private readonly log?: (text: string) => void,
  ) {}

  /** Called by ssh2 before the first attempt (authsLeft null) and after each refusal. */
  readonly handler = (authsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler) => {
    if (this.current === undefined) {
      this.current = 'none';
      next('none');
      return;
    }
    if (authsLeft) this.serverAccepts = authsLeft;
    if (this.current !== 'none') this.log?.(`${this.current.label} refused; the server accepts ${this.accepts()}`);
    for (;;) {
      const method = this.methods[this.next++];
      if (!method) {
        // ssh2 reads false as "no method left": it then fails with level 'client-authentication'.
        next(false as never);
        return;
      }
      // The agent's keys are public keys to the server.
      const wire = method.type === 'agent' ? 'publickey' : method.type;
      if (authsLeft && !authsLeft.includes(wire)) {
        this.notOffered.push(method.label);
        this.log?.(`${method.label} skipped: the server does not accept ${wire}`);
        continue;
      }
      this.current = method;
      this.tried.push(method.label);
      this.log?.(`trying ${method.label}`);
      next(method.login ?? method.type);
      return;
    }
  };

  /** The method the login succeeded with ('none' when the server asked for nothing). */
  get succeeded(): string {
    return this.current === undefined || this.current === 'none' ? 'none' : this.current.label;
  }

  private accepts(): string {
    return this.serverAccepts?.length ? this.serverAccepts.join(',') : 'nothing';
  }

  /** Why nobody got in: the user, the address, every method tried in order, and what the server accepts. */
  failure(user: string, address: string, port: number): string {
    const tried = this.tried.length
      ? `tried ${this.tried.join(', ')}`
      : this.methods.length
        ? 'tried nothing the server accepts'
        : 'nothing to try (no key file, no ssh-agent, no password given)';
    const skipped = this.notOffered.length ? `; not offered by the server: ${this.notOffered.join(', ')}` : '';
    const accepts = this.serverAccepts ? `; the server accepts ${this.accepts()}` : '';
    return `authentication failed for ${user}@${address}:${port}: ${tried}${skipped}${accepts}`;
  }
}
