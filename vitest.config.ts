import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Test hosts are whole Debian systems: two at a time suits a 2-core machine.
    maxWorkers: 2,
  },
});
