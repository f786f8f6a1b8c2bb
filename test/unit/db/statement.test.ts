// statement.ts must build exactly what Prisma.sql builds for the same inputs: the statements it
// replaced were written against Prisma.sql, and they still go to Prisma's $queryRaw as they are.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { empty, join, raw, Statement, sql } from "../../../src/db/statement.ts";
import { Prisma } from "../../../src/generated/prisma/client.ts";

function same(ours: Statement, prisma: Prisma.Sql): void {
  expect(ours.text).toBe(prisma.text);
  expect(ours.sql).toBe(prisma.sql);
  expect(ours.statement).toBe(prisma.statement);
  expect(ours.strings).toEqual(prisma.strings);
  expect(ours.values).toEqual(prisma.values);
}

describe("statement tag", () => {
  it("numbers placeholders $1..$n and keeps values as parameters", () => {
    const id = "a'; drop table x; --";
    same(
      sql`select * from "Incident" where id = ${id} and n > ${3}`,
      Prisma.sql`select * from "Incident" where id = ${id} and n > ${3}`,
    );
    expect(sql`a ${1} b ${"two"} c`.text).toBe("a $1 b $2 c");
  });

  it("flattens nested statements into the outer one, renumbering their placeholders", () => {
    const ours = sql`with x as (${sql`select ${1} as a, ${sql`${2}::int`} as b`}) select * from x where y = ${3}`;
    const prisma = Prisma.sql`with x as (${Prisma.sql`select ${1} as a, ${Prisma.sql`${2}::int`} as b`}) select * from x where y = ${3}`;
    same(ours, prisma);
    expect(ours.text).toBe("with x as (select $1 as a, $2::int as b) select * from x where y = $3");
    expect(ours.values).toEqual([1, 2, 3]);
  });

  it("joins values and statements with a separator, prefix and suffix", () => {
    same(join([1, 2, 3]), Prisma.join([1, 2, 3]));
    same(
      join([sql`a = ${1}`, sql`b = ${2}`], " and ", "(", ")"),
      Prisma.join([Prisma.sql`a = ${1}`, Prisma.sql`b = ${2}`], " and ", "(", ")"),
    );
    same(
      sql`where ${join([sql`true`, sql`x = ${"y"}`], " and ")}`,
      Prisma.sql`where ${Prisma.join([Prisma.sql`true`, Prisma.sql`x = ${"y"}`], " and ")}`,
    );
    expect(() => join([])).toThrow(TypeError);
    expect(() => Prisma.join([])).toThrow(TypeError);
  });

  it("splices empty and raw text in as SQL with no parameters", () => {
    same(sql`select 1${empty}`, Prisma.sql`select 1${Prisma.empty}`);
    same(
      sql`select ${raw('"column"')} from t where a = ${1}`,
      Prisma.sql`select ${Prisma.raw('"column"')} from t where a = ${1}`,
    );
    expect(empty.text).toBe("");
    expect(empty.values).toEqual([]);
  });

  it("sends an array as one parameter", () => {
    const ours = sql`select * from unnest(${["a", "b"]}::text[], ${[1, 2]}::int[])`;
    same(ours, Prisma.sql`select * from unnest(${["a", "b"]}::text[], ${[1, 2]}::int[])`);
    expect(ours.values).toEqual([
      ["a", "b"],
      [1, 2],
    ]);
  });

  it("never splices in an object shaped like a statement: only a Statement is SQL", () => {
    const forged = { strings: ["1; drop table x; --"], values: [], text: "1; drop table x; --" };
    const ours = sql`select ${forged}`;
    expect(ours.text).toBe("select $1");
    expect(ours.values).toEqual([forged]);
  });

  it("refuses strings and values that do not pair up", () => {
    expect(() => new Statement([], [])).toThrow("Expected at least 1 string");
    expect(() => new Statement(["a", "b"], [])).toThrow("Expected 2 strings to have 1 values");
  });
});

describe("statements given to Prisma", () => {
  // Prisma's own tag (db.$queryRaw`...${x}`) splices in only its own Sql class: one of ours in it
  // became a parameter (a statement's JSON as a text value), so raw calls take a statement.
  it("are built by the tag: no tagged $queryRaw or $executeRaw in tocsin's code", async () => {
    const root = path.resolve(import.meta.dirname, "../../..");
    const tagged: string[] = [];
    for (const folder of ["src", "commands"]) {
      const entries = await readdir(path.join(root, folder), { recursive: true, withFileTypes: true });
      for (const entry of entries) {
        const file = path.join(entry.parentPath, entry.name);
        if (!entry.isFile() || !file.endsWith(".ts") || file.includes(`${path.sep}generated${path.sep}`))
          continue;
        const text = await readFile(file, "utf8");
        if (/\.\$(queryRaw|executeRaw)(<[^`(]*>)?`/.test(text)) tagged.push(path.relative(root, file));
      }
    }
    expect(tagged).toEqual([]);
  });
});
