// Fails when src/api/schema.d.ts is not what openapi-typescript makes of
// docs/openapi.yaml: the UI's API types and the server's document cannot drift.
// Fix: `npm run api-types`, then commit the file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "guichet-api-types-"));
try {
  const out = join(dir, "schema.d.ts");
  execFileSync("npx", ["--no-install", "openapi-typescript", "../docs/openapi.yaml", "-o", out], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const fresh = readFileSync(out, "utf8");
  const committed = readFileSync("src/api/schema.d.ts", "utf8");
  if (fresh !== committed) {
    console.error(
      "check-api-types: web/src/api/schema.d.ts differs from docs/openapi.yaml; run `npm run api-types`.",
    );
    process.exit(1);
  }
  console.log("check-api-types: the API types match docs/openapi.yaml");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
