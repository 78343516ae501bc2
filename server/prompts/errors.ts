// Errors of the prompts concern. They extend the shared AppError so the API maps
// them to a status and a stable code in its one error middleware.
import { AppError, ValidationError } from '../shared/errors.js';

export type PromptTool = 'espeak-ng' | 'sox';

const DEBIAN_PACKAGE: Record<PromptTool, string> = { 'espeak-ng': 'espeak-ng', sox: 'sox' };

/** espeak-ng or sox is not installed (or not at the configured path). */
export class PromptToolMissingError extends AppError {
  constructor(
    readonly tool: PromptTool,
    readonly path: string,
  ) {
    super(
      503,
      'prompt_tool_missing',
      `${tool} was not found at "${path}": install the Debian package ${DEBIAN_PACKAGE[tool]} ` +
        `(apt-get install espeak-ng sox) to render prompts.`,
    );
  }
}

/** A tool ran but failed; carries its stderr so the operator sees why. */
export class PromptRenderError extends AppError {
  constructor(
    readonly tool: PromptTool,
    readonly clip: string,
    stderr: string,
  ) {
    super(500, 'prompt_render_failed', `${tool} failed while rendering ${clip}: ${stderr.trim() || 'no output'}.`);
  }
}

/** A prompt was asked for with values that cannot fill it (missing advisor, bad minutes...). */
export class PromptValueError extends ValidationError {}
