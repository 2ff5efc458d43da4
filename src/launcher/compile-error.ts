/**
 * A rank program that does not compile (a TypeScript syntax error) fails while it loads, with
 * the error of esbuild (which both TypeScript loaders use): a message, a location per problem,
 * and a stack of esbuild's own frames, which say nothing about the program. What the user
 * needs is where the problem is and what it is.
 */

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number } | null;
}

function isEsbuildMessage(m: unknown): m is EsbuildMessage {
  if (typeof m !== 'object' || m === null || typeof (m as EsbuildMessage).text !== 'string') return false;
  const at = (m as EsbuildMessage).location;
  return at === null || (typeof at === 'object' && typeof at.file === 'string' && typeof at.line === 'number' && typeof at.column === 'number');
}

/**
 * `SyntaxError: file:line:column: message`, one line per problem (the column counted from 1, as
 * editors do; esbuild's from 0), for an esbuild transform error; undefined for any other error.
 */
export function compileErrorText(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const messages = (error as { errors?: unknown }).errors;
  if (!Array.isArray(messages) || messages.length === 0 || !messages.every(isEsbuildMessage)) return fromMessage(error.message);
  return messages.map(({ text, location: at }) => `SyntaxError: ${at === null ? '' : `${at.file}:${at.line}:${at.column + 1}: `}${text}`).join('\n');
}

/** tsx rethrows esbuild's error without its `errors`: the locations are in the message then. */
function fromMessage(message: string): string | undefined {
  if (!/^Transform failed with \d+ errors?:\n/.test(message)) return undefined;
  const lines = [...message.matchAll(/^(.+):(\d+):(\d+): ERROR: (.*)$/gm)].map(
    ([, file, line, column, text]) => `SyntaxError: ${file}:${line}:${Number(column) + 1}: ${text}`,
  );
  return lines.length > 0 ? lines.join('\n') : undefined;
}
