import { AppError } from '../../shared/errors.js';
import type { AmiMessage } from './message.js';

/** Base of every AMI failure; status 503/502 so an API handler that lets one through answers sensibly. */
export class AmiError extends AppError {}

/** The action was not sent: the client is not logged in right now. It is never queued for later. */
export class AmiNotConnectedError extends AmiError {
  constructor(readonly action: string) {
    super(503, 'pbx_unavailable', `Asterisk AMI is not connected, so "${action}" was not sent; try again once the PBX is back.`);
  }
}

/** The socket closed while the action was in flight: it may or may not have run on Asterisk. */
export class AmiConnectionClosedError extends AmiError {
  constructor(readonly action: string) {
    super(
      503,
      'pbx_connection_lost',
      `The AMI connection closed before Asterisk answered "${action}"; it may or may not have run. Check the PBX before retrying.`,
    );
  }
}

export class AmiTimeoutError extends AmiError {
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super(504, 'pbx_timeout', `Asterisk did not answer "${action}" within ${timeoutMs} ms; it may or may not have run.`);
  }
}

/** Asterisk answered `Response: Error`; `asteriskMessage` is its `Message:` verbatim. */
export class AmiActionError extends AmiError {
  readonly asteriskMessage: string;

  constructor(
    readonly action: string,
    readonly response: AmiMessage,
  ) {
    const message = response.get('Message') ?? 'no message';
    const output = response.all('Output');
    super(502, 'pbx_action_failed', `Asterisk refused "${action}": ${message}${output.length ? ` (${output.join(' / ')})` : ''}`);
    this.asteriskMessage = message;
  }
}

/** Username or secret refused by Asterisk. The secret is never part of the message. */
export class AmiLoginError extends AmiError {
  constructor(
    readonly username: string,
    readonly asteriskMessage: string,
  ) {
    super(
      503,
      'pbx_login_failed',
      `Asterisk refused the AMI login of user "${username}": ${asteriskMessage}. Check CTI_AMI_URL against manager.conf.`,
    );
  }
}

/** The peer sent something that is not AMI (no banner, a frame beyond the size bound). */
export class AmiProtocolError extends AmiError {
  constructor(detail: string) {
    super(502, 'pbx_protocol_error', `The AMI peer broke the protocol: ${detail}.`);
  }
}
