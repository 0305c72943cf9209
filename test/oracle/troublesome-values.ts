/**
 * Values that break configuration files when written raw: each of the characters that
 * some format gives a meaning to, alone and together. Shared by the oracle test and the
 * host test of the encoders.
 */
export const TROUBLESOME_VALUES: Record<string, string> = {
  plain: 'analytics_user',
  empty: '',
  'single quote': "it's",
  'double quote': 'say "hi"',
  dollar: 'pa$$word$',
  'dollar brace': '${HOME}${X:-fallback}',
  'dollar brace, already our escape': '${:-$}{X}',
  'command substitution': '`id` $(id)',
  backslash: 'a\\b\\\\c\\n\\',
  'backslash before quote and dollar': '\\"\\$\\`\\\'',
  'URL delimiters': 'user@host:5432/db?x=1&y=2#frag',
  percent: '100% %41 %zz',
  hash: '#not a comment # either',
  spaces: '  leading and trailing  ',
  'equals and semicolon': 'a=b;c',
  'non-ASCII': 'grüße ✓ 日本',
  emoji: 'pass🔑word',
  'every troublesome character': 'P\'a"s$s`w\\o@r:d/#% x${Y}é',
};

/** Line breaks: the formats that can carry them say so by passing these. */
export const LINE_BREAK_VALUES: Record<string, string> = {
  newline: 'line one\nline two',
  'trailing newline': 'ends with a newline\n',
  'carriage return': 'a\r\nb\rc',
  tab: 'tab\there',
};
