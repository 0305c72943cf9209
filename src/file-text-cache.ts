import { readFileSync, statSync } from 'node:fs';

/**
 * A file's text, read again only when the file changed. Every host of a run reads the same
 * known_hosts and ssh config files: at 1,000 hosts a known_hosts of one line per host is read a
 * thousand times (a million lines), and the parse caches keyed by the text (known_hosts' line
 * index) hash the whole new string each time. A stat costs a few microseconds; the text is read
 * again whenever its identity, size, modification or change time differ, so an edit during the
 * run (provision's own accept-new append, another program) is seen by the next host as ssh
 * would see it. A missing file is undefined; other errors are those of readFileSync, never cached.
 */
export function readTextCached(path: string): string | undefined {
  // A missing file is asked about on every host (~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts2):
  // answered without an exception, which costs a stack trace each.
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) {
    texts.delete(path);
    return undefined;
  }
  const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  const hit = texts.get(path);
  if (hit?.stamp === stamp) return hit.text;
  const text = readFileSync(path, 'utf8');
  // Linux stamps files from a clock that ticks every few milliseconds: a same-size rewrite
  // within the tick of this read would keep the stamp. As git does with "racily clean" entries,
  // a file changed within the last second is not remembered, so it is read again next time.
  if (Date.now() - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS) {
    texts.delete(path);
    return text;
  }
  // A run reads a handful of files (user and global known_hosts, ssh configs and their includes).
  if (texts.size >= 64) texts.clear();
  texts.set(path, { stamp, text });
  return text;
}

const RACY_MS = 1000;

const texts = new Map<string, { stamp: string; text: string }>();
