// The smallest on-call configuration alert tests need: one person, the csirt team and a policy,
// with the integrations a test gives (YAML list items under `integrations:`).
import { type OncallConfig, parseOncallConfig } from "../../src/oncall/config.ts";

export function configWithIntegrations(integrations: string): OncallConfig {
  return parseOncallConfig(oncallYamlWithIntegrations(integrations), "oncall.yaml");
}

/** The same configuration as the text of an on-call file (for a desk that reads and reloads it). */
export function oncallYamlWithIntegrations(integrations: string): string {
  return `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris }
teams:
  - { id: csirt, name: CSIRT, members: [alice], escalationPolicy: default }
escalationPolicies:
  - { id: default, levels: [{ target: { team: csirt }, after: 5m }] }
integrations:
${integrations}`;
}
