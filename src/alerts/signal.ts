// What every alert endpoint turns its sender's payload into, and what the alert desk takes.
//
// The endpoints (src/alerts/intake/: Alertmanager webhook v4, PagerDuty Events v2, Grafana,
// generic JSON/form, heartbeats) parse, cap and map the sender's payload with the integration's
// rules; the desk (src/alerts/alerts.ts) stores the signals durably and pages. This file is the
// seam between the two, so neither knows the other's details.
import type { TlpLabel } from "../incidents/tlp.ts";

/** trigger: fire or update; acknowledge: the sender says someone is on it; resolve: over. */
export type AlertAction = "trigger" | "acknowledge" | "resolve";

export interface AlertLink {
  href: string;
  text?: string;
}

/**
 * One alert as a sender reported it, already mapped by the integration's rules (first match
 * wins) to the severity, team, label and class tocsin uses.
 */
export interface AlertSignal {
  /** `integrations[].id` of the on-call configuration; authenticated by its key. */
  integrationId: string;
  action: AlertAction;
  /** The alert's identity within the integration: groupKey, dedup_key, a heartbeat's id. */
  dedupKey: string;
  /**
   * Members of a group (Alertmanager and Grafana send every alert of a group with its own
   * fingerprint and status): the alert is resolved when all members are, whatever `action`.
   */
  members?: ReadonlyArray<{ id: string; status: "firing" | "resolved" }>;
  summary: string;
  source?: string;
  /** 1 (critical) .. 4 (low). */
  severity: number;
  tlp: TlpLabel;
  rsitType?: string;
  /** The team paged for it; the integration's team unless a rule says otherwise. */
  teamId?: string;
  labels: Readonly<Record<string, string>>;
  links: ReadonlyArray<AlertLink>;
  details: Readonly<Record<string, unknown>>;
  /** A rule asked for an incident to be declared at this severity when the alert fires. */
  declare?: { severity: number };
  /** When the sender says it happened; the time of receipt when it says nothing. */
  occurredAt: Date;
}

/** The desk as the endpoints see it. */
export interface AlertReceiver {
  /**
   * Stores the signals in one transaction and schedules what they cause (pages, updates,
   * resolutions) as durable jobs. Resolves only once committed: an endpoint answers 2xx after
   * this and never before. Rejects with a DatabaseUnavailable-coded error when the database
   * cannot be reached (the endpoint answers 503 so the sender retries).
   */
  receive(signals: readonly AlertSignal[]): Promise<void>;
}
