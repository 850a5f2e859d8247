import type { Module } from '../modules/types.js';
import { splitWords } from '../remote-command.js';
import { renderText, renderValue } from '../template/render.js';
import { renderShellScript } from '../template/shell-script.js';
import type { Vars } from './run-context.js';

/** Renders task arguments for one host; command words and shell values get their safe treatment. */
export function renderArgs(module: Module<never>, args: Vars, vars: Vars): Vars {
  const out: Vars = {};
  for (const [key, value] of Object.entries(args)) {
    const mode = module.schema[key]?.render;
    if (mode === 'words' && typeof value === 'string') out[key] = splitWords(value).map((w) => renderText(w, vars));
    else if (mode === 'shell' && typeof value === 'string') out[key] = renderShellScript(value, vars);
    else out[key] = renderValue(value, vars);
  }
  return out;
}
