import { expect } from 'chai';
import sinon from 'sinon';
import type { AriBridge, AriChannel } from '../../../server/pbx/ari/models.js';
import type { CallControl } from '../../../server/pbx/call-flow/call-control.js';
import { CallFlow } from '../../../server/pbx/call-flow/call-flow.js';
import type { InboundScript } from '../../../server/pbx/call-flow/inbound-script.js';
import { createLogger } from '../../../server/shared/logger.js';

const APP = 'cti';

function channel(id: string, appData: string): AriChannel {
  const party = { name: '', number: '' };
  return {
    id,
    name: `PJSIP/1001-${id}`,
    state: 'Up',
    caller: party,
    connected: party,
    dialplan: { context: 'cti', exten: 's', priority: 1, app_name: 'Stasis', app_data: appData },
    creationtime: '2026-01-05T09:00:00.000+0000',
  };
}

function bridge(id: string, channels: string[]): AriBridge {
  return { id, technology: 'simple_bridge', bridge_type: 'mixing', bridge_class: 'stasis', creator: 'Stasis', name: id, channels };
}

/** A flow restarted against a node whose Stasis app holds what a dead server left. */
function restartedFlow(channels: AriChannel[], bridges: AriBridge[]) {
  const hangup = sinon.stub().resolves(true);
  const control = {
    listChannels: sinon.stub().resolves(channels),
    listBridges: sinon.stub().resolves(bridges),
    replayCleanup: sinon.stub().resolves(0),
    hangup,
  } as unknown as CallControl;
  const flow = new CallFlow({ node: 'node0', app: APP, control, script: {} as InboundScript, log: createLogger('silent'), now: () => Date.parse('2026-01-05T09:00:05Z') });
  return { flow, hangup };
}

describe('call flow adoption after a restart: agent legs of calls nobody knows', () => {
  it('hangs up an answered agent leg left alone (its caller is gone or unknown), so the agent is free again', async () => {
    const { flow, hangup } = restartedFlow([channel('leg-1', `${APP},agent,node0:caller-1`)], [bridge('b-1', ['leg-1'])]);
    await flow.resync();
    expect(hangup.calledOnceWithExactly('leg-1')).to.equal(true);
  });

  it('leaves an agent leg that is talking to someone in a bridge, and agent legs of other apps', async () => {
    const { flow, hangup } = restartedFlow(
      [channel('leg-1', `${APP},agent,node0:caller-1`), channel('caller-1', `${APP},ivr=2,lang=zh`), channel('leg-2', 'other-app,agent,x')],
      [bridge('b-1', ['leg-1', 'caller-1'])],
    );
    await flow.resync();
    expect(hangup.called).to.equal(false);
  });
});
