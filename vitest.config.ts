import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/hermetic-env.ts'],
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Tests talk to real sshd, ansible and ssh on a 2-core machine: under a full run's load a
    // 20-second test can take three times as long. The bound is against hangs, not a benchmark.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // Test hosts are whole Debian systems: two at a time suits a 2-core machine.
    maxWorkers: 2,
  },
});
