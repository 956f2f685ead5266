/**
 * Which catalog environment an alert belongs to: PagerDuty by service id (`alerts.pagerduty`),
 * Alertmanager by labels (all of `alerts.labels` must match).
 */
import type { Catalog, EnvironmentConfig } from '../../../catalog/types.js';

/** A service and environment an alert was routed to. */
export interface Route {
  service: string;
  environment: string;
  config: EnvironmentConfig;
}

function* environments(catalog: Catalog): Generator<Route> {
  for (const [service, serviceConfig] of Object.entries(catalog.services)) {
    for (const [environment, config] of Object.entries(serviceConfig.environments)) {
      yield { service, environment, config };
    }
  }
}

/** Every environment whose `alerts.pagerduty` lists this PagerDuty service id. */
export function routePagerDuty(catalog: Catalog, pagerdutyServiceId: string): Route[] {
  return [...environments(catalog)].filter((route) =>
    route.config.alerts.pagerduty.includes(pagerdutyServiceId),
  );
}

/**
 * The environments whose `alerts.labels` all match. An environment without labels matches
 * nothing: an empty selector must not swallow every alert.
 */
export function routeLabels(catalog: Catalog, labels: Record<string, string>): Route[] {
  return [...environments(catalog)].filter((route) => {
    const wanted = Object.entries(route.config.alerts.labels);
    return wanted.length > 0 && wanted.every(([name, value]) => labels[name] === value);
  });
}

export function findRoute(catalog: Catalog, service: string, environment: string): Route | undefined {
  // Own keys only: a path segment such as `constructor` must not reach Object.prototype.
  const serviceConfig = Object.hasOwn(catalog.services, service) ? catalog.services[service] : undefined;
  if (!serviceConfig || !Object.hasOwn(serviceConfig.environments, environment)) return undefined;
  const config = serviceConfig.environments[environment];
  return config ? { service, environment, config } : undefined;
}
