// The alerts floor: tocsin's own HTTP server class (src/http/server.ts) in a process of its own,
// with an empty handler on the alert endpoints' paths that reads the body and answers 202.
// What accepting an alert costs before tocsin does anything with it (no parsing, no database);
// tocsin's alert response latency is read against it.
//   BENCH_PORT
import type { IncomingMessage } from "node:http";
import { HttpServer, type RouteHandler, sendText } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logging.ts";

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on("data", () => {});
    req.on("end", () => resolve());
    req.on("error", reject);
  });
}

const server = new HttpServer(silentLogger);
const empty: RouteHandler = async (req, res) => {
  await drain(req);
  sendText(res, 202, "{}\n", "application/json");
};
server.route("POST", "/alerts/alertmanager/*", empty);
server.route("POST", "/v2/enqueue", empty);
await server.listen(Number(process.env.BENCH_PORT), "127.0.0.1");
process.stdout.write("ready\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
