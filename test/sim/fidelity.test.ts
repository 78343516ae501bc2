// Replays the recorded Asterisk 22 sessions against the simulator and compares, per
// channel, the AMI frames and ARI events: names, order, field names and order, and
// values (ids, timestamps and hex suffixes normalised). Expected frames come from the
// capture files, never from this file.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { CAPTURE_DIR, CONFIG_DIR, normaliseAri, substituteTokens } from './capture.js';
import { amiResponses, amiTimelines, ariTimelines, asObject } from './compare.js';
import { replay, type ReplayResult } from './replay.js';

/** app_queue's own device states (Queue:x_avail) follow its member cache, which the simulator does not keep. */
const withoutQueueDevices = (m: Map<string, string[]>) => new Map([...m].filter(([k]) => !k.startsWith('device Queue:')));

/** DeviceStateList walks a hash table: the order of its items is not meaningful. */
function sortListItems(m: Map<string, string[]>): Map<string, string[]> {
  return new Map(
    [...m].map(([id, lines]) => {
      const items = lines.filter((l) => l.startsWith('Event=DeviceStateChange'));
      if (items.length < 2) return [id, lines];
      const sorted = [...items].sort();
      let i = 0;
      return [id, lines.map((l) => (l.startsWith('Event=DeviceStateChange') ? (sorted[i++] ?? l) : l))];
    }),
  );
}

function restView(r: ReplayResult) {
  const rec = r.recordedRest.map((x) => ({ method: x.method, path: x.path, status: x.status, body: normaliseAri(x.body) }));
  const sim = r.simRest.map((x) => ({
    method: x.method,
    path: x.path,
    status: x.status,
    body: normaliseAri(x.body === undefined ? undefined : JSON.parse(substituteTokens(JSON.stringify(x.body), r.toRecorded))),
  }));
  return { rec, sim };
}

const FLOWS: Array<{ name: string; ami: string; ari: string }> = [
  { name: 'ami-session + rest-basics', ami: 'ami-session.txt', ari: 'rest-basics.jsonl' },
  { name: 'inbound-bridged', ami: 'ami-flow-inbound-bridged.txt', ari: 'ari-flow-inbound-bridged.jsonl' },
  { name: 'caller-hangup-during-playback', ami: 'ami-flow-caller-hangup-during-playback.txt', ari: 'ari-flow-caller-hangup-during-playback.jsonl' },
  { name: 'agent-no-answer', ami: 'ami-flow-agent-no-answer.txt', ari: 'ari-flow-agent-no-answer.jsonl' },
  { name: 'agent-busy', ami: 'ami-flow-agent-busy.txt', ari: 'ari-flow-agent-busy.jsonl' },
  { name: 'app-not-registered', ami: 'ami-flow-app-not-registered.txt', ari: 'ari-flow-app-not-registered.jsonl' },
  { name: 'moh-and-record', ami: 'ami-flow-moh-and-record.txt', ari: 'ari-flow-moh-and-record.jsonl' },
];

describe('sim fidelity: recorded Asterisk 22 flows replayed against the simulator', function () {
  this.timeout(30_000);

  before(function () {
    if (!existsSync(`${CAPTURE_DIR}ami-session.txt`)) this.skip();
  });

  for (const flow of FLOWS) {
    describe(flow.name, function () {
      let sim: Simulator;
      let result: ReplayResult;

      before(async function () {
        // Prompts in the recordings are stopped or cut short; 20 s keeps them playing meanwhile.
        sim = await startSimulator({
          amiPort: 0,
          ariPort: 0,
          dialplanFiles: [`${CONFIG_DIR}extensions.conf`],
          defaultMediaMs: 20_000,
          // The recorded box already held one stored recording.
          storedRecordings: [{ name: 'cap-rec-1', format: 'wav' }],
        });
        result = await replay(sim, flow.ami, flow.ari);
      });
      after(async () => {
        await sim?.close();
      });

      it('emits the same AMI events per channel, in order, with the same fields and values', () => {
        const recorded = withoutQueueDevices(amiTimelines(result.recordedAmi));
        const simulated = withoutQueueDevices(amiTimelines(result.simAmi, result.toRecorded));
        expect(recorded.size).to.be.greaterThan(0);
        expect(asObject(simulated)).to.deep.equal(asObject(recorded));
      });

      it('answers every AMI action as recorded (responses and list items)', () => {
        const recorded = sortListItems(amiResponses(result.recordedAmi));
        const simulated = sortListItems(amiResponses(result.simAmi, result.toRecorded));
        expect(asObject(simulated)).to.deep.equal(asObject(recorded));
      });

      it('sends the same ARI events per channel, in order', () => {
        expect(asObject(ariTimelines(result.simAri, result.toRecorded))).to.deep.equal(asObject(ariTimelines(result.recordedAri)));
      });

      it('answers every ARI request with the recorded status and body', () => {
        const { rec, sim: got } = restView(result);
        expect(got).to.deep.equal(rec);
      });
    });
  }
});
