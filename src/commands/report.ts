import { writeFileSync } from 'node:fs';
import { readReport } from '../report-html/read-report.js';
import { renderHtml } from '../report-html/render.js';

/** `provision report RUN.json -o run.html`: the HTML report of a run recorded with --report. */
export function reportCommand(jsonFile: string, htmlFile: string): void {
  writeFileSync(htmlFile, renderHtml(readReport(jsonFile)));
}
