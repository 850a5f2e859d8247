/**
 * Text from a managed host (command output, file contents in diffs, error messages) on its way to a
 * terminal: escape sequences (CSI, OSC, DCS, ...) could move the cursor, rewrite earlier lines, set the
 * window title or worse, so they are removed, and so is every other control character but tab and
 * newline (a carriage return could overprint a line: "failed\rok   ").
 */
const ESC = String.fromCharCode(0x1b);
const BEL = String.fromCharCode(0x07);
const CSI8 = String.fromCharCode(0x9b);
const ESCAPE_SEQUENCE = new RegExp(
  [
    `${ESC}\\[[0-?]*[ -/]*[@-~]`, // CSI: colours, cursor moves, erase
    `${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)?`, // OSC: window title, hyperlinks, clipboard
    `${ESC}[PX^_][^${ESC}]*(?:${ESC}\\\\)?`, // DCS, SOS, PM, APC strings
    `${ESC}[ -/]*[0-~]?`, // any other escape
    `${CSI8}[0-?]*[ -/]*[@-~]`, // 8-bit CSI
  ].join('|'),
  'g',
);

/** Control characters other than tab and newline. */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
}

/** Whether terminalSafe has anything to remove: every escape sequence starts with a control character too. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

export function terminalSafe(text: string): string {
  // Most output holds no control character at all: returned as it is, not rebuilt a character at a time.
  if (!hasControl(text)) return text;
  const stripped = text.replace(ESCAPE_SEQUENCE, '');
  let out = '';
  for (const ch of stripped) if (!isControl(ch.codePointAt(0) ?? 0)) out += ch;
  return out;
}
