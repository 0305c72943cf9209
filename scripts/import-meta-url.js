// Injected into the CommonJS bundle (scripts/bundle.mjs): ESM's import.meta.url for the bundle file.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
