import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { HostFacts } from '../facts/host-facts.js';
import type { PlanContext } from '../modules/types.js';
import type { Play, Role } from '../playbook/types.js';
import { renderTemplateFile, TemplateError } from '../template/render.js';
import { LocalFiles } from './local-files.js';
import type { Vars } from './run-context.js';

/**
 * What a module's plan sees: the host, its variables and facts, and the controller's files (templates/
 * and files/ of the task's role first, then beside the playbook, as Ansible looks).
 */
export function planContext(options: {
  play: Play;
  host: string;
  vars: Vars;
  facts: HostFacts;
  check: boolean;
  /** Whether the run shows diffs (see PlanContext.diff). */
  diff?: boolean;
  role?: Role;
  /** The run's reads of the controller's files (one of its own when not given). */
  localFiles?: LocalFiles;
}): PlanContext {
  const { play, role, vars } = options;
  const localFiles = options.localFiles ?? new LocalFiles();
  const readLocal = async (path: string, kind: 'template' | 'file') => {
    const folder = kind === 'template' ? 'templates' : 'files';
    const candidates = [
      ...(role ? [join(role.dir, folder, path), join(role.dir, path)] : []),
      join(play.baseDir, folder, path),
      join(play.baseDir, path),
      join(play.baseDir, '..', folder, path),
      resolve(path),
    ];
    for (const candidate of candidates) {
      const content = await localFiles.read(candidate);
      if (content !== null) return { path: candidate, content };
    }
    throw new ConfigError(`${kind} '${path}' not found (looked in ${candidates.join(', ')})`, { file: path });
  };
  return {
    host: options.host,
    vars,
    facts: options.facts,
    check: options.check,
    diff: options.diff,
    readLocal,
    async renderTemplate(path: string) {
      const { path: found, content } = await readLocal(path, 'template');
      try {
        return renderTemplateFile(content.toString('utf8'), vars);
      } catch (e) {
        if (e instanceof TemplateError) throw new TemplateError(`${found}${e.line ? `:${e.line}` : ''}: ${e.message}`);
        throw e;
      }
    },
  };
}
