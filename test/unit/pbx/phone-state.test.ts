import { expect } from 'chai';
import type { PhoneState } from '../../../server/domain/model.js';
import { AmiMessage } from '../../../server/pbx/ami/message.js';
import {
  combinePhoneStates,
  deviceForEndpoint,
  phoneStateFromDeviceState,
  phoneStateFromExtensionStatus,
} from '../../../server/pbx/device-state/phone-state.js';
import { liveUpdate } from '../../../server/pbx/device-state/tracker.js';

describe('phone state folding (pure)', function () {
  const deviceStates: Array<[string, PhoneState]> = [
    ['NOT_INUSE', 'idle'],
    ['RINGING', 'ringing'],
    ['RINGINUSE', 'ringing'],
    ['INUSE', 'in-use'],
    ['BUSY', 'in-use'],
    ['ONHOLD', 'in-use'],
    ['UNAVAILABLE', 'unavailable'],
    ['INVALID', 'unavailable'],
    ['UNKNOWN', 'unavailable'],
    ['not_inuse', 'idle'],
    ['SOMETHING_NEW', 'unavailable'],
    ['', 'unavailable'],
  ];
  for (const [state, expected] of deviceStates) {
    it(`device state ${JSON.stringify(state)} -> ${expected}`, function () {
      expect(phoneStateFromDeviceState(state)).to.equal(expected);
    });
  }

  const extensionStatuses: Array<[number, PhoneState]> = [
    [0, 'idle'],
    [1, 'in-use'],
    [2, 'in-use'],
    [4, 'unavailable'],
    [8, 'ringing'],
    [9, 'ringing'],
    [16, 'in-use'],
    [17, 'in-use'],
    [-1, 'unavailable'],
    [-2, 'unavailable'],
    [Number.NaN, 'unavailable'],
  ];
  for (const [status, expected] of extensionStatuses) {
    it(`extension status ${status} -> ${expected}`, function () {
      expect(phoneStateFromExtensionStatus(status)).to.equal(expected);
    });
  }

  const endpoints: Array<[string, string | null]> = [
    ['PJSIP/1001', 'PJSIP/1001'],
    ['pjsip/1001', 'PJSIP/1001'],
    ['PJSIP/1001/sip:1001@10.0.0.5:5060', 'PJSIP/1001'],
    ['PJSIP/5551234@trunk', 'PJSIP/trunk'],
    ['SIP/1001', 'SIP/1001'],
    ['SIP/1001/5551234', 'SIP/1001'],
    ['Local/1001@agents', 'Local/1001@agents'],
    ['Local/1001@agents/n', 'Local/1001@agents'],
    ['Local/1001', 'Local/1001@default'],
    ['  PJSIP/1001  ', 'PJSIP/1001'],
    ['Custom:agent1001', 'Custom:agent1001'],
    ['IAX2/peer/100', 'IAX2/peer'],
    ['', null],
    ['1001', null],
    ['PJSIP/', null],
    ['Local/@agents', null],
  ];
  for (const [endpoint, device] of endpoints) {
    it(`endpoint ${JSON.stringify(endpoint)} -> device ${JSON.stringify(device)}`, function () {
      expect(deviceForEndpoint(endpoint)).to.equal(device);
    });
  }

  it('across nodes the most engaged state wins; no report gives null', function () {
    expect(combinePhoneStates(['unavailable', 'idle'])).to.equal('idle');
    expect(combinePhoneStates(['idle', 'in-use', 'unavailable'])).to.equal('in-use');
    expect(combinePhoneStates(['in-use', 'ringing'])).to.equal('ringing');
    expect(combinePhoneStates([])).to.equal(null);
  });

  it('reads live updates from DeviceStateChange and single-device ExtensionStatus only', function () {
    const msg = (fields: Array<[string, string]>) => new AmiMessage(fields);
    expect(liveUpdate(msg([['Event', 'DeviceStateChange'], ['Device', 'PJSIP/1001'], ['State', 'RINGING']]))).to.deep.equal(['PJSIP/1001', 'ringing']);
    expect(liveUpdate(msg([['Event', 'ExtensionStatus'], ['Hint', 'Custom:agent1001'], ['Status', '16']]))).to.deep.equal(['Custom:agent1001', 'in-use']);
    expect(liveUpdate(msg([['Event', 'ExtensionStatus'], ['Hint', 'PJSIP/1001,CustomPresence:1001'], ['Status', '0']]))).to.deep.equal(['PJSIP/1001', 'idle']);
    expect(liveUpdate(msg([['Event', 'ExtensionStatus'], ['Hint', 'PJSIP/1001&PJSIP/1002'], ['Status', '1']]))).to.equal(null);
    expect(liveUpdate(msg([['Event', 'DeviceStateChange'], ['Device', 'PJSIP/1001']]))).to.equal(null);
    expect(liveUpdate(msg([['Event', 'Newstate'], ['Channel', 'PJSIP/1001-0001']]))).to.equal(null);
  });

  it('ignores live updates carrying a state Asterisk never sends, so a corrupt frame cannot take a phone out of routing', function () {
    const msg = (fields: Array<[string, string]>) => new AmiMessage(fields);
    expect(liveUpdate(msg([['Event', 'DeviceStateChange'], ['Device', 'PJSIP/1001'], ['State', 'EXPLODED']]))).to.equal(null);
    expect(liveUpdate(msg([['Event', 'DeviceStateChange'], ['Device', 'PJSIP/1001'], ['State', '']]))).to.equal(null);
    expect(liveUpdate(msg([['Event', 'ExtensionStatus'], ['Hint', 'PJSIP/1001'], ['Status', '-3']]))).to.equal(null);
    expect(liveUpdate(msg([['Event', 'ExtensionStatus'], ['Hint', 'PJSIP/1001'], ['Status', '1.5']]))).to.equal(null);
    expect(liveUpdate(msg([['Event', 'DeviceStateChange'], ['Device', 'PJSIP/1001'], ['State', 'UNAVAILABLE']]))).to.deep.equal(['PJSIP/1001', 'unavailable']);
  });
});
