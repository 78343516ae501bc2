// Prometheus instruments of the gateway. Registered once per registry, so several
// gateways (tests, or a restart inside one process) share them instead of colliding.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface DesktopMetrics {
  popDelivery: Histogram<'phase'>;
  popUndelivered: Counter<'phase'>;
  sockets: Gauge<'role'>;
}

export function desktopMetrics(registry: Registry): DesktopMetrics {
  const existing = registry.getSingleMetric('cti_screen_pop_delivery_seconds');
  if (existing) {
    return {
      popDelivery: existing as Histogram<'phase'>,
      popUndelivered: registry.getSingleMetric('cti_screen_pop_undelivered_total') as Counter<'phase'>,
      sockets: registry.getSingleMetric('cti_desktop_sockets') as Gauge<'role'>,
    };
  }
  return {
    popDelivery: new Histogram({
      name: 'cti_screen_pop_delivery_seconds',
      help: 'Time from sending a screen pop to the desktop acknowledging it, per socket.',
      labelNames: ['phase'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    popUndelivered: new Counter({
      name: 'cti_screen_pop_undelivered_total',
      help: 'Screen pops a desktop socket did not acknowledge before the timeout.',
      labelNames: ['phase'],
      registers: [registry],
    }),
    sockets: new Gauge({
      name: 'cti_desktop_sockets',
      help: 'Desktop sockets connected to this server, by role.',
      labelNames: ['role'],
      registers: [registry],
    }),
  };
}
