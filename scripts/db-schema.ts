// Schema tooling that works offline with Prisma 6's JS engine.
//
//   node scripts/db-schema.ts check        fail (exit 1) when prisma/schema.prisma and the
//                                          checked-in migrations describe different databases
//   node scripts/db-schema.ts new <name> [<git rev>]
//                                          write prisma/migrations/<timestamp>_<name>/ from the
//                                          difference between the schema committed at <git rev>
//                                          (default HEAD) and the working copy, then run `check`
//
// Why the detour: `prisma migrate diff --from-migrations` and `--from-url` do not work with a
// driver adapter in Prisma 6 (shadow-database bugs; pg_catalog `name`/`char` columns), and
// `prisma migrate dev` needs the native engine. So `check` builds two real databases on a
// throwaway embedded PostgreSQL, one from the migrations and one from the schema, and compares
// their catalogs.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createDatabaseIfMissing } from "../src/db/database.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "../src/db/embedded-postgres.ts";
import { MIGRATIONS_DIR, migrate } from "../src/db/migrate.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SCHEMA = path.join(ROOT, "prisma", "schema.prisma");

function prismaDiff(server: EmbeddedServer, from: string[]): string {
  // The CLI's adapter must reach some database even for a schema-to-schema diff.
  return execFileSync(
    path.join(ROOT, "node_modules", ".bin", "prisma"),
    ["migrate", "diff", ...from, "--to-schema-datamodel", SCHEMA, "--script"],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: server.adminUrl },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
}

/**
 * What the schema states that Prisma 6 cannot (partial indexes): `/// sql: <statement>;` lines
 * in schema.prisma, applied after Prisma's own statements.
 */
function statementsBeyondPrisma(schema: string): string[] {
  return [...schema.matchAll(/^\s*\/\/\/ sql: (.+;)\s*$/gm)].map((match) => match[1]!);
}

const CATALOG_QUERY = `
  select 'column' as kind, c.table_name || '.' || c.column_name as name,
         concat_ws(' ', c.data_type, c.character_maximum_length, c.datetime_precision,
                   c.is_nullable, c.column_default) as definition
    from information_schema.columns c
   where c.table_schema = 'public' and c.table_name <> '_prisma_migrations'
  union all
  select 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
    from pg_constraint
   where connamespace = 'public'::regnamespace and conrelid::regclass::text not in ('_prisma_migrations', '"_prisma_migrations"')
  union all
  select 'index', tablename || '.' || indexname, indexdef
    from pg_indexes
   where schemaname = 'public' and tablename <> '_prisma_migrations'
  union all
  -- Storage parameters (a table's fillfactor), which only /// sql: lines can state.
  select 'storage', c.relname, array_to_string(c.reloptions, ',')
    from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.reloptions is not null
  order by 1, 2`;

async function catalog(url: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ kind: string; name: string; definition: string }>(CATALOG_QUERY);
    return new Map(rows.map((r) => [`${r.kind} ${r.name}`, r.definition]));
  } finally {
    await client.end();
  }
}

async function check(server: EmbeddedServer): Promise<string[]> {
  await createDatabaseIfMissing(server.adminUrl, "from_migrations");
  await createDatabaseIfMissing(server.adminUrl, "from_schema");
  await migrate(server.urlFor("from_migrations"));
  const sql = prismaDiff(server, ["--from-empty"]);
  const client = new pg.Client({ connectionString: server.urlFor("from_schema") });
  await client.connect();
  await client.query(sql);
  for (const statement of statementsBeyondPrisma(await readFile(SCHEMA, "utf8")))
    await client.query(statement);
  await client.end();
  const [migrated, declared] = await Promise.all([
    catalog(server.urlFor("from_migrations")),
    catalog(server.urlFor("from_schema")),
  ]);
  const problems: string[] = [];
  for (const [key, definition] of declared) {
    const actual = migrated.get(key);
    if (actual === undefined) problems.push(`missing in migrations: ${key} (${definition})`);
    else if (actual !== definition)
      problems.push(`differs: ${key}\n    schema:     ${definition}\n    migrations: ${actual}`);
  }
  for (const [key, definition] of migrated) {
    if (!declared.has(key)) problems.push(`only in migrations: ${key} (${definition})`);
  }
  return problems;
}

async function newMigration(server: EmbeddedServer, name: string, base = "HEAD"): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error("a migration name is lowercase letters, digits and _");
  const previous = execFileSync("git", ["show", `${base}:prisma/schema.prisma`], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const previousFile = path.join(await mkdtemp(path.join(tmpdir(), "tocsin-schema-")), "schema.prisma");
  await writeFile(previousFile, previous);
  const before = new Set(statementsBeyondPrisma(previous));
  const added = statementsBeyondPrisma(await readFile(SCHEMA, "utf8")).filter((s) => !before.has(s));
  const sql =
    prismaDiff(server, ["--from-schema-datamodel", previousFile]) +
    added.map((statement) => `\n-- Stated in schema.prisma (/// sql:)\n${statement}\n`).join("");
  if (!sql.replace(/--.*$/gm, "").trim()) throw new Error(`schema.prisma has no change since ${base}`);
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
  await mkdir(dir);
  await writeFile(path.join(dir, "migration.sql"), sql);
  return dir;
}

const [command, name, base] = process.argv.slice(2);
if (command !== "check" && !(command === "new" && name)) {
  process.stderr.write("usage: node scripts/db-schema.ts check | new <name> [<git rev>]\n");
  process.exit(2);
}
const root = await mkdtemp(path.join(tmpdir(), "tocsin-schema-db-"));
const server = await startEmbeddedPostgres({
  dataDir: path.join(root, "postgres"),
  extraFlags: ["-c", "fsync=off"],
});
let exitCode = 0;
try {
  if (command === "new")
    process.stdout.write(`wrote ${path.relative(ROOT, await newMigration(server, name!, base))}\n`);
  const problems = await check(server);
  if (problems.length) {
    exitCode = 1;
    process.stderr.write(
      `prisma/schema.prisma and prisma/migrations disagree:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        "Write a migration with: npm run db:migration -- <name>\n",
    );
  } else {
    process.stdout.write("schema and migrations agree\n");
  }
} catch (error) {
  exitCode = 1;
  process.stderr.write(`${(error as Error).message}\n`);
} finally {
  await server.stop();
  await rm(root, { recursive: true, force: true });
}
process.exit(exitCode);
