// Demo mode: with no Asterisk configured, the PBX simulator runs in-process and the
// server connects to it over the same AMI and ARI sockets it would use in production.
import { startSimulator, type Simulator } from '../../sim/index.js';
import { startDemoTraffic } from '../../sim/scenario/demo.js';
import type { AsteriskNode, Config } from '../config/config.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../store/index.js';

export interface DemoPbx {
  simulator: Simulator;
  node: AsteriskNode;
  startTraffic(): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoPbx(config: Config, store: Store, logger: Logger): Promise<DemoPbx> {
  const advisors = await store.advisors.list({ active: true });
  // Every advisor's phone is registered and answers after a short ring, as a real
  // softphone would when the agent picks up.
  const agents = Object.fromEntries(advisors.map((a) => [a.endpoint, { kind: 'answer' as const, ringMs: 2500, talkMs: 45_000 }]));
  const simulator = await startSimulator({
    amiPort: config.sim.amiPort,
    ariPort: config.sim.ariPort,
    agents,
    onError: (err) => logger.error({ err }, 'simulator error'),
  });
  logger.info({ ami: simulator.amiPort, ari: simulator.ariPort }, 'PBX simulator started in-process (demo mode)');
  const node: AsteriskNode = {
    index: 0,
    ami: { host: simulator.host, port: simulator.amiPort, username: simulator.username, secret: simulator.secret, tls: false },
    ari: { baseUrl: `http://${simulator.host}:${simulator.ariPort}`, username: simulator.username, password: simulator.secret },
  };
  let stopTraffic: (() => void) | null = null;
  return {
    simulator,
    node,
    async startTraffic() {
      if (stopTraffic) return;
      const page = await store.members.list({}, { limit: 200, offset: 0 });
      stopTraffic = startDemoTraffic(simulator, {
        numbers: page.items.flatMap((m) => m.phones.slice(0, 1)),
        agents: advisors.map((a) => a.endpoint),
      });
    },
    async close() {
      stopTraffic?.();
      await simulator.close();
    },
  };
}
