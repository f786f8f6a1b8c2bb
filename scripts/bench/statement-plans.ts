// The statements a piece of work sends (every pg client of this process: tocsin's driver and
// Prisma's pool alike), and how PostgreSQL runs them: EXPLAIN (ANALYZE, BUFFERS) with the values
// they were sent with, on a connection of its own, writes rolled back. The server's execution
// time of a command's statements, apart from the client's and the machine's share of its wall
// time; and the plan's scans, to tell an index-backed statement from one that reads a table.
import pg from "pg";

export interface SentStatement {
  text: string;
  values: unknown[];
}

/** Runs `work` and returns the statements sent meanwhile, with their values, in order. */
export async function statementsSentBy(work: () => Promise<unknown>): Promise<SentStatement[]> {
  const sent: SentStatement[] = [];
  // Whatever is installed now (round-trips.ts counts every statement of the bench's process).
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function captured(this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; values?: unknown[] };
    const text = typeof first === "string" ? first : (first?.text ?? "");
    const values = Array.isArray(args[1]) ? args[1] : typeof first === "object" ? (first?.values ?? []) : [];
    sent.push({ text, values: [...values] });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

/** Statements that are no plan of their own: transaction control and session settings. */
export function isExplainable(statement: SentStatement): boolean {
  return /^\s*(\(?\s*select|with|insert|update|delete)\b/i.test(statement.text);
}

export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

export interface StatementPlan {
  text: string;
  /** Server-side, as EXPLAIN ANALYZE measures it. */
  executionMs: number;
  planningMs: number;
  /** Buffers the whole statement touched (shared hit + read). */
  buffers: number;
  /** Scans of the plan, `Seq Scan on "Incident"`, `Index Scan using ... on "Incident"`. */
  scans: string[];
  /** The most rows any one scan node read, over its loops: those it produced and those its filter removed. */
  mostRowsRead: number;
  plan: PlanNode;
}

export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

export function scanOf(node: PlanNode): string | undefined {
  if (!/Scan/.test(node["Node Type"]) || node["Node Type"] === "Subquery Scan") return undefined;
  const on = node["Relation Name"] ? ` on "${node["Relation Name"]}"` : "";
  const using = node["Index Name"] ? ` using ${node["Index Name"]}` : "";
  return `${node["Node Type"]}${using}${on}`;
}

function rowsRead(node: PlanNode): number {
  return (
    (node["Actual Rows"] ?? 0) +
    (node["Rows Removed by Filter"] ?? 0) +
    (node["Rows Removed by Index Recheck"] ?? 0)
  );
}

/** EXPLAIN (ANALYZE, BUFFERS) of one sent statement on `client`, in a transaction rolled back. */
export async function explainAnalyze(client: pg.Client, statement: SentStatement): Promise<StatementPlan> {
  await client.query("begin");
  try {
    const result = await client.query<{ "QUERY PLAN": Array<Record<string, unknown>> }>(
      `explain (analyze, buffers, format json) ${statement.text}`,
      statement.values,
    );
    const [top] = result.rows[0]?.["QUERY PLAN"] ?? [];
    const plan = top?.Plan as PlanNode;
    const nodes = planNodes(plan);
    return {
      text: statement.text,
      executionMs: Number(top?.["Execution Time"]),
      planningMs: Number(top?.["Planning Time"]),
      buffers: (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0),
      scans: nodes.flatMap((node) => scanOf(node) ?? []),
      mostRowsRead: Math.max(
        0,
        ...nodes.filter(scanOf).map((node) => rowsRead(node) * (node["Actual Loops"] ?? 1)),
      ),
      plan,
    };
  } finally {
    await client.query("rollback");
  }
}

/** The plans of the statements `work` sends that EXPLAIN can run, each with the values it was sent with. */
export async function plansOfWork(client: pg.Client, work: () => Promise<unknown>): Promise<StatementPlan[]> {
  const sent = (await statementsSentBy(work)).filter(isExplainable);
  const plans: StatementPlan[] = [];
  for (const statement of sent) plans.push(await explainAnalyze(client, statement));
  return plans;
}

/** The scans of the generic plan (what a prepared statement may run once planned for any value). */
export async function genericPlanScans(client: pg.Client, statement: SentStatement): Promise<string[]> {
  const result = await client.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(
    `explain (generic_plan, format json) ${statement.text}`,
  );
  const plan = result.rows[0]?.["QUERY PLAN"][0]?.Plan;
  return plan ? planNodes(plan).flatMap((node) => scanOf(node) ?? []) : [];
}
