/**
 * Parses JSON, or describes why it is not JSON with a line and column (V8 only reports a character offset, and
 * only newer versions add the line).
 */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (text.trim() === '') return { ok: false, problem: 'invalid JSON: the document is empty' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const reason = message
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/( in JSON)? at position \d+/, '')
      .replace(/, "[\s\S]*" is not valid JSON$/, ' (not valid JSON)');
    if (offset === undefined) return { ok: false, problem: `invalid JSON: ${reason}` };
    const { line, column } = lineAndColumn(text, offset);
    return { ok: false, problem: `invalid JSON at line ${line}, column ${column}: ${reason}` };
  }
}

/** 1-based line and column of a UTF-16 offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}
