import { AppError } from '../../shared/errors.js';

export class AriError extends AppError {}

/**
 * Asterisk answered with an error status; `status` is Asterisk's HTTP status. Branch on it: 404 the channel (bridge,
 * playback...) is gone, 409 wrong state / not in Stasis, 422 unprocessable, 400 bad request,
 * 401 credentials, 500 allocation failed. `asteriskMessage` is Asterisk's text verbatim.
 */
export class AriHttpError extends AriError {
  constructor(
    status: number,
    readonly asteriskMessage: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(status, 'pbx_request_failed', `Asterisk ARI ${method} ${path} failed with ${status}: ${asteriskMessage}`);
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** 409: e.g. "Channel not in Stasis application", "Channel is not in the 'Down' state". */
  get isConflict(): boolean {
    return this.status === 409;
  }
}

export class AriTimeoutError extends AriError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(504, 'pbx_timeout', `Asterisk ARI ${method} ${path} did not answer within ${timeoutMs} ms; it may or may not have run.`);
  }
}

/** Network failure before any HTTP answer (connection refused, reset). */
export class AriUnreachableError extends AriError {
  constructor(
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(503, 'pbx_unavailable', `Asterisk ARI is unreachable (${method} ${path}: ${detail}); check CTI_ARI_URL and that Asterisk runs.`);
  }
}

/** Asterisk answered 2xx with a body that is not what ARI documents. */
export class AriProtocolError extends AriError {
  constructor(
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(502, 'pbx_protocol_error', `Asterisk ARI ${method} ${path} returned an unexpected body: ${detail}`);
  }
}
