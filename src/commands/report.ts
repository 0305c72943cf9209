import { writeFileSync } from 'node:fs';
import { ConfigError, ConfigErrors } from '../errors.js';
import { InputError, UsageError } from '../exit-codes.js';
import type { RunReport } from '../report.js';
import { readReport } from '../report-html/read-report.js';
import { renderHtml } from '../report-html/render.js';

/**
 * `provision report RUN.json -o run.html`: the HTML report of a run recorded
 * with --report. Its errors say what failed and that the page was not written
 * (a run's "no host was touched" means nothing here).
 */
export function reportCommand(jsonFile: string, htmlFile: string): void {
  const html = renderHtml(readable(jsonFile, htmlFile));
  try {
    writeFileSync(htmlFile, html);
  } catch (err) {
    throw new UsageError(`cannot write ${htmlFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function readable(jsonFile: string, htmlFile: string): RunReport {
  try {
    return readReport(jsonFile);
  } catch (err) {
    if (!(err instanceof ConfigError || err instanceof ConfigErrors)) throw err;
    const n = err instanceof ConfigErrors ? err.errors.length : 1;
    throw new InputError(`${err.message}\n${htmlFile} was not written: ${jsonFile} is not a run report provision can read (${n} problem${n > 1 ? 's' : ''}).`);
  }
}
