// ts-jest in ESM mode: run with NODE_OPTIONS=--experimental-vm-modules (see package.json "test").
// Type errors are not reported here; `npm run typecheck` is its own step.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1'
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }]
  },
  globalSetup: './__tests__/setup/global-setup.ts',
  globalTeardown: './__tests__/setup/global-teardown.ts',
  testTimeout: 60000,
  verbose: false
}
