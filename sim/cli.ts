// `npm run sim`: the simulator on its own (AMI 5038, ARI 8088 by default).
// Environment: SIM_AMI_PORT, SIM_ARI_PORT, SIM_USER, SIM_SECRET, SIM_HOST, SIM_DIALPLAN
// (comma-separated extensions.conf files), SIM_DEMO=1 for demo traffic.
import { startSimulator } from './index.js';
import { startDemoTraffic } from './scenario/demo.js';

const env = process.env;
const port = (name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name}=${raw} is not a port number (0-65535).`);
    process.exit(2);
  }
  return n;
};

const agents = ['PJSIP/1001', 'PJSIP/1002', 'PJSIP/1003', 'PJSIP/1004'];
const sim = await startSimulator({
  host: env['SIM_HOST'] || '127.0.0.1',
  amiPort: port('SIM_AMI_PORT', 5038),
  ariPort: port('SIM_ARI_PORT', 8088),
  username: env['SIM_USER'] || 'cti',
  secret: env['SIM_SECRET'] || 'cti',
  dialplanFiles: env['SIM_DIALPLAN'] ? env['SIM_DIALPLAN'].split(',') : undefined,
  agents: Object.fromEntries(agents.map((a) => [a, { kind: 'answer', ringMs: 3000 }])),
});

console.log(`PBX simulator (Asterisk ${'22.10.1'} stand-in) listening:`);
console.log(`  AMI  ${sim.host}:${sim.amiPort}`);
console.log(`  ARI  http://${sim.host}:${sim.ariPort}/ari  (events: ws://${sim.host}:${sim.ariPort}/ari/events?app=cti)`);
console.log('Point the CTI server at it:');
console.log(`  CTI_AMI_URL=${sim.amiUrl} CTI_ARI_URL=${sim.ariUrl} npm start`);
if (env['SIM_DEMO'] === '1') {
  startDemoTraffic(sim, { numbers: ['13800138000', '13900139000', '13700137000'], agents });
  console.log('Demo traffic on: a call every 8 s.');
}

const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
