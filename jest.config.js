// Three suites: `services` (unit tests and each service's HTTP tests on a real
// PostgreSQL), `chart` (the Helm chart rendered and validated offline) and
// `e2e` (the whole system: real sidecars, Kafka, MailDev, Zipkin).
// `npm test` (scripts/orderflow.mjs, tools/devstack/) starts what each needs and runs both.
const shared = {
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // jose (JWT checks in order-service) ships only ES modules; Jest runs CommonJS.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    '^@orderflow/(contracts|service-kit)$': '<rootDir>/packages/$1/src',
    // Sub-path exports (package.json "exports"): `@orderflow/service-kit/errors` is src/errors.ts.
    '^@orderflow/(contracts|service-kit)/(.+)$': '<rootDir>/packages/$1/src/$2',
  },
  testEnvironment: 'node',
  // Only the source folders: .local/ holds the cluster's image layers (copies of
  // the packages, gigabytes) that Jest would crawl and see as duplicate modules.
  roots: ['<rootDir>/apps', '<rootDir>/packages', '<rootDir>/components', '<rootDir>/charts', '<rootDir>/e2e', '<rootDir>/test-support'],
  modulePathIgnorePatterns: ['<rootDir>/.local/', '<rootDir>/apps/[^/]+/dist/', '<rootDir>/packages/[^/]+/dist/'],
};

module.exports = {
  // Jest reads the timeout only here, for every project; e2e tests wait on real
  // brokers and mail, and the machine may be busy.
  testTimeout: 60_000,
  testSequencer: '<rootDir>/e2e/support/sequencer.js',
  projects: [
    {
      ...shared,
      displayName: 'services',
      testMatch: ['<rootDir>/{apps,packages}/*/test/**/*.test.ts', '<rootDir>/components/test/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'chart',
      testMatch: ['<rootDir>/charts/test/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'cluster',
      testMatch: ['<rootDir>/charts/cluster-test/**/*.test.ts'],
    },
  ],
};
