import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { playbookJsonSchema, tasksMarkdown } from '../../src/docs.js';
import { allTaskTypes } from '../../tasks/index.js';
import { ROOT } from '../support/provision.js';

describe('reference docs come from the schemas', () => {
  it('the README task reference is what the schemas generate (run `npm run docs` after changing a task)', () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('<!-- task-reference:start'), readme.indexOf('<!-- task-reference:end -->'));
    expect(section.slice(section.indexOf('\n') + 1).trim()).toBe(tasksMarkdown().trim());
  });

  it('every task and every field is documented', () => {
    for (const t of allTaskTypes()) {
      const md = tasksMarkdown();
      expect(md).toContain(`### \`${t.name}\``);
      expect(md).not.toMatch(/\|\s*\|\n/); // no empty description cell
    }
  });

  it('the playbook JSON Schema offers every task type', () => {
    const schema = JSON.stringify(playbookJsonSchema());
    for (const t of allTaskTypes()) expect(schema).toContain(`"required":["${t.name}"]`);
  });
});
