/**
 * indentJSON lays JSON text out on indented lines without parsing it, so
 * every value keeps exactly the characters it was sent with (JSON.parse
 * would turn 1.50 into 1.5 and round large numbers). Text that is not JSON
 * comes out re-spaced but otherwise unchanged.
 */
export function indentJSON(text: string, unit = '  '): string {
  let out = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  const newline = () => `\n${unit.repeat(depth)}`;

  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      const next = nextToken(text, i + 1);
      if (text.charAt(next) === close) {
        out += c + close;
        i = next;
        continue;
      }
      depth += 1;
      out += c + newline();
    } else if (c === '}' || c === ']') {
      depth = Math.max(0, depth - 1);
      out += newline() + c;
    } else if (c === ',') {
      out += c + newline();
    } else if (c === ':') {
      out += ': ';
    } else {
      out += c;
    }
  }
  return out;
}

function nextToken(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text.charAt(i))) i++;
  return i;
}
