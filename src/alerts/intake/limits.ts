// The alert endpoints' limits and their defaults: read by the endpoints (routes.ts) and by the
// configuration (src/config.ts: TOCSIN_ALERT_IN_FLIGHT, TOCSIN_ALERT_*_BODY_BYTES).

export interface AlertIntakeLimits {
  /**
   * Alert requests read at once by this process, keyed and /v2/enqueue each; more get 429
   * (default 64). Read requests wait for their commit in a room 16 times as large (in-flight.ts).
   */
  maxInFlight?: number;
  /** Body limit of the Alertmanager and Grafana webhooks (default 1 MB: big groups). */
  webhookBodyBytes?: number;
  /** Body limit of the PagerDuty and generic endpoints (default 512 KB, PagerDuty's). */
  eventBodyBytes?: number;
  /** Retry-After of a 429, seconds (default 5). */
  overloadRetrySeconds?: number;
  /** Retry-After of a 503, seconds (default 30). */
  unavailableRetrySeconds?: number;
}

export const DEFAULT_ALERT_INTAKE_LIMITS: Required<AlertIntakeLimits> = {
  maxInFlight: 64,
  webhookBodyBytes: 1024 * 1024,
  eventBodyBytes: 512 * 1024,
  overloadRetrySeconds: 5,
  unavailableRetrySeconds: 30,
};
