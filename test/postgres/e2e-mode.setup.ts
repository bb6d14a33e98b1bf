// setupFiles of the `e2e-postgres` jest project: the e2e suite, every app on a database of its own.
process.env.GATEHOUSE_TEST_STORE = 'postgres';
