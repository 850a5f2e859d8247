import type { AuthenticationType } from 'ssh2';
import { describe, expect, test } from 'vitest';
import { AuthAttempts, authMethodsOf } from '../../../src/connection/ssh-auth.js';

/** Drives the handler as ssh2 does: first call with null, then once per refusal with the server's list. */
function drive(attempts: AuthAttempts, serverAccepts: AuthenticationType[], refusals: number): unknown[] {
  const sent: unknown[] = [];
  attempts.handler(null, null, (m) => sent.push(m));
  for (let i = 0; i < refusals; i++) attempts.handler(serverAccepts, false, (m) => sent.push(m));
  return sent;
}

describe('authMethodsOf', () => {
  test("OpenSSH's order: key file, agent, password; the password named, never shown", () => {
    const methods = authMethodsOf({ privateKeyFile: '/k/id', password: 's3cret' }, '/run/agent.sock');
    expect(methods.map((m) => m.label)).toEqual(['publickey (/k/id)', 'agent (/run/agent.sock)', 'password']);
    expect(JSON.stringify(methods)).not.toContain('s3cret');
  });
  test('nothing configured: no methods', () => {
    expect(authMethodsOf({})).toEqual([]);
  });
});

describe('AuthAttempts', () => {
  test("asks none first, then each method the server accepts, then false (ssh2's 'no method left')", () => {
    const log: string[] = [];
    const a = new AuthAttempts(authMethodsOf({ privateKeyFile: '/k/id', password: 'x' }), (t) => log.push(t));
    expect(drive(a, ['publickey', 'password'], 3)).toEqual(['none', 'publickey', 'password', false]);
    expect(a.tried).toEqual(['publickey (/k/id)', 'password']);
    expect(a.failure('root', '127.0.0.5', 22)).toBe(
      'authentication failed for root@127.0.0.5:22: tried publickey (/k/id), password; the server accepts publickey,password',
    );
    expect(log).toEqual([
      'trying publickey (/k/id)',
      'publickey (/k/id) refused; the server accepts publickey,password',
      'trying password',
      'password refused; the server accepts publickey,password',
    ]);
  });
  test('a method the server does not accept is passed over and named as not offered', () => {
    const a = new AuthAttempts(authMethodsOf({ privateKeyFile: '/k/id', password: 'x' }));
    expect(drive(a, ['publickey'], 2)).toEqual(['none', 'publickey', false]);
    expect(a.failure('pwuser', '10.0.0.1', 2222)).toBe(
      'authentication failed for pwuser@10.0.0.1:2222: tried publickey (/k/id); not offered by the server: password; the server accepts publickey',
    );
  });
  test('the agent is offered as publickey to the server', () => {
    const a = new AuthAttempts(authMethodsOf({}, '/run/agent.sock'));
    expect(drive(a, ['publickey'], 1)).toEqual(['none', 'agent']);
    expect(a.succeeded).toBe('agent (/run/agent.sock)');
  });
  test('success: the method last sent; none when the server asked for nothing', () => {
    const a = new AuthAttempts(authMethodsOf({ password: 'x' }));
    drive(a, ['password'], 1);
    expect(a.succeeded).toBe('password');
    const b = new AuthAttempts(authMethodsOf({ password: 'x' }));
    drive(b, [], 0);
    expect(b.succeeded).toBe('none');
  });
  test('nothing to try says so', () => {
    const a = new AuthAttempts([]);
    expect(drive(a, ['publickey'], 1)).toEqual(['none', false]);
    expect(a.failure('root', 'h', 22)).toBe(
      'authentication failed for root@h:22: nothing to try (no key file, no ssh-agent, no password given); the server accepts publickey',
    );
  });
});
