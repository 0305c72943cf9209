/**
 * Clear errors for what comes from Ansible and provision does not do the same
 * way: playbook keywords, module names and Jinja in templates. Pure functions
 * over strings; the engine and src/template.ts call them and add file and line.
 */
export { unsupportedKeyword, SUPPORTED_KEYWORDS, REFUSED_KEYWORDS, type KeywordLevel } from './ansible-compat/keywords.js';
export { moduleHint, ENGINE_MODULES, MODULE_COLLECTIONS, knownModules, moduleTreatment } from './ansible-compat/modules.js';
export { jinjaProblem, type JinjaProblem } from './ansible-compat/jinja.js';
