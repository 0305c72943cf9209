/**
 * Splits a command line into words as Python's `shlex.split` (POSIX mode) does,
 * which is how Ansible splits `ansible_ssh_common_args` before handing them to
 * ssh: whitespace separates, 'single quotes' keep everything, "double quotes"
 * keep everything but a backslash before `"` or `\` (unlike sh, not before `$`), and outside
 * quotes a backslash keeps the next character. With `comments` (Ansible's INI host
 * lines: `shlex.split(line, comments=True)`), an unquoted `#` ends the line, even
 * inside a word; without, `#` is an ordinary character (shlex.split's default).
 */
export function splitShellWords(text: string, options: { comments?: boolean } = {}): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\'.includes(text[i + 1])) word += text[++i];
      else word += c;
    } else if (options.comments && c === '#') {
      break;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\') {
        if (i + 1 >= text.length) throw new Error('No escaped character');
        word += text[++i];
      } else word += c;
    }
  }
  // Python's own messages, as Ansible shows them.
  if (quote) throw new Error('No closing quotation');
  if (inWord) words.push(word);
  return words;
}
