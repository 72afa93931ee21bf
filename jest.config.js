// Two suites: `services` (unit tests and each service's HTTP tests on a real
// PostgreSQL) and `e2e` (the whole system: real sidecars, Kafka, MailDev).
// `npm test` (scripts/orderflow.mjs) starts what each needs and runs both.
const shared = {
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: { '^@orderflow/(contracts|service-kit)$': '<rootDir>/packages/$1/src' },
  testEnvironment: 'node',
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'services',
      testMatch: ['<rootDir>/{apps,packages}/*/test/**/*.test.ts', '<rootDir>/components/test/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
      testTimeout: 60_000,
    },
  ],
};
