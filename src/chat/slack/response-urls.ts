// Which response_urls tocsin posts answers to. A response_url arrives in a signed request, but
// a modal's private_metadata carries one back from the client, and a URL tocsin posts to must
// never be one an attacker chose (an answer can carry incident details).

/** Slack's hosts for response_urls: hooks.slack.com, and any *.slack.com (Grid, GovSlack). */
function isSlackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "slack.com" || h.endsWith(".slack.com");
}

/**
 * Whether answers may be posted to `url`: https on a Slack host, or the origin of the configured
 * Web API URL (an enterprise proxy or a test double serves both).
 */
export function trustedResponseUrl(url: string, apiUrl?: string): boolean {
  const parsed = URL.parse(url);
  if (!parsed || parsed.username || parsed.password) return false;
  if (parsed.protocol === "https:" && isSlackHost(parsed.hostname) && !parsed.port) return true;
  const api = apiUrl ? URL.parse(apiUrl) : null;
  return api !== null && api.origin === parsed.origin;
}
