// Checks on the values that fill prompts; they come from the store and the call
// flow, so a bad one is reported clearly instead of producing a broken file name.
import type { PromptPerson } from '../../ivr-prompts/clips.js';
import { PromptValueError } from './errors.js';

export function assertPromptPerson(value: unknown, role: string): asserts value is PromptPerson {
  const person = value as Partial<PromptPerson> | null | undefined;
  if (!person || typeof person !== 'object') throw new PromptValueError(`The ${role} is missing: pass { id, name, nameZh }.`);
  if (!Number.isSafeInteger(person.id) || (person.id as number) <= 0) {
    throw new PromptValueError(`The ${role} needs a positive whole-number id, got ${String(person.id)}.`);
  }
  if (typeof person.name !== 'string' || typeof person.nameZh !== 'string') {
    throw new PromptValueError(`The ${role} needs name and nameZh as text.`);
  }
  if (!person.name.trim() && !person.nameZh.trim()) {
    throw new PromptValueError(`The ${role} ${person.id} has no name to speak: set name or nameZh.`);
  }
}
