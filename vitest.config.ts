import { defineConfig } from "vitest/config";
import { scaledDeadline } from "./test/support/waiting.ts";

// Four projects: `npm run test:unit` runs only the first (pure logic, no database, no tocsin
// processes); `npm test` runs them all. Only integration and platform start the embedded
// PostgreSQL with its migrated template (test/global-setup.ts, one cluster shared by both).
const DATABASE = ["test/global-setup.ts"];

export default defineConfig({
  test: {
    // Each test file gets its own database cloned from a migrated template (test/database.ts),
    // so files can run in parallel on the shared embedded cluster.
    pool: "forks",
    // Deadlines scale with TOCSIN_TEST_SLOWDOWN like every wait (test/support/waiting.ts).
    testTimeout: scaledDeadline(20_000),
    hookTimeout: scaledDeadline(60_000),
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "integration", include: ["test/integration/**/*.test.ts"], globalSetup: DATABASE },
      },
      {
        extends: true,
        // The attack tests (test/attack/) replay bypasses found in review, through the same doubles.
        test: {
          name: "platform",
          include: ["test/platform/**/*.test.ts", "test/attack/**/*.test.ts"],
          globalSetup: DATABASE,
        },
      },
      // Real `node src/main.ts` processes bring their own PostgreSQL (embedded or TOCSIN_TEST_POSTGRES_URL).
      { extends: true, test: { name: "process", include: ["test/process/**/*.test.ts"] } },
    ],
  },
});
