import { ConfigError, formatLocation, type Location } from '../errors.js';
import type { Playbook } from './types.js';

/** What a host's session runs as, from the playbook: undefined fields leave the inventory's word standing. */
export interface SessionBecome {
  become?: boolean;
  becomeUser?: string;
}

interface Wish {
  become: boolean;
  becomeUser?: string;
  where: Location;
}

/**
 * Who each host's session runs as. sshplay opens one session per host for the whole run (one shell, one
 * SFTP channel: the speed of a run rests on it), so privilege is decided per host, not per task: a play or
 * task of the run that targets the host with `become: true` makes the session sudo to its `become_user`
 * (root by default). A play or task that asks for what that one session cannot give (`become: false`
 * beside `become: true`, or two different become users) is refused before any host is touched, naming
 * both places, rather than silently running as a user the author did not ask for.
 * The inventory's ansible_become / ansible_become_user still win, as Ansible's connection variables do.
 */
export function sessionBecome(playbook: Playbook, hostsOf: (pattern: string) => string[]): Map<string, SessionBecome> {
  const wishes = new Map<string, Wish[]>();
  for (const play of playbook.plays) {
    const playWish = play.become === undefined ? undefined : { become: play.become, user: play.becomeUser };
    const planned: Wish[] = playWish ? [{ become: playWish.become, becomeUser: playWish.user, where: play.where }] : [];
    for (const task of [...play.tasks, ...play.handlers]) {
      const become = task.become ?? playWish?.become;
      if (become === undefined) continue;
      planned.push({ become, becomeUser: task.becomeUser ?? play.becomeUser, where: task.where });
    }
    if (planned.length === 0) continue;
    for (const host of hostsOf(play.hosts)) {
      const list = wishes.get(host);
      if (list) list.push(...planned);
      else wishes.set(host, [...planned]);
    }
  }
  const plan = new Map<string, SessionBecome>();
  for (const [host, list] of wishes) {
    const root = list.find((w) => w.become);
    if (!root) {
      plan.set(host, { become: false });
      continue;
    }
    const refuse = (w: Wish, what: string) =>
      new ConfigError(
        `${what}, but ${formatLocation(root.where)} asks become: true${root.becomeUser ? ` (become_user ${root.becomeUser})` : ''} for host ${host}; sshplay keeps one session per host for the whole run, so a host cannot change user between tasks: run these plays separately`,
        w.where,
      );
    const user = root.becomeUser ?? 'root';
    for (const w of list) {
      if (!w.become) throw refuse(w, 'become: false');
      if ((w.becomeUser ?? 'root') !== user) throw refuse(w, `become_user ${w.becomeUser ?? 'root'}`);
    }
    plan.set(host, { become: true, becomeUser: root.becomeUser });
  }
  return plan;
}
