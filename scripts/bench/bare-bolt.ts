// The floor: a bare Bolt 5 app in a process of its own whose slash command handler only acks.
// What Slack's SDK alone costs on this machine; tocsin's ack latency is read against it.
//   BENCH_PORT, BENCH_SIGNING_SECRET, BENCH_SLACK_API_URL
import { App, HTTPReceiver } from "@slack/bolt";

const receiver = new HTTPReceiver({
  signingSecret: process.env.BENCH_SIGNING_SECRET ?? "",
  endpoints: "/slack/events",
});
const app = new App({
  receiver,
  token: "xoxb-bench-token",
  clientOptions: { slackApiUrl: process.env.BENCH_SLACK_API_URL },
});
app.command(/.*/, async ({ ack }) => {
  await ack();
});
await app.start({ port: Number(process.env.BENCH_PORT), host: "127.0.0.1" });
process.stdout.write("ready\n");
process.on("SIGTERM", () => void app.stop().then(() => process.exit(0)));
