/**
 * The engine's bug models by name: each a behaviour of a real HTTP/2 implementation's reported
 * cancellation bug, beside its correct twin (README, "The catalogue"). A connection takes any set
 * of them through its options; a class not named keeps the correct behaviour.
 */
import type { ConnectionOptions } from '../connection-options.js';
import { CREDIT_ON_RESET, LEAK_ON_RESET } from './reset-data-credit.js';
import { DECODE_REFUSED, DROP_REFUSED } from './refused-header-block.js';

export const BUG_MODELS = ['window-leak-on-reset', 'window-credit-on-reset', 'hpack-drop-refused', 'hpack-decode-refused'] as const;
export type BugModel = (typeof BUG_MODELS)[number];

/** The connection options that switch `models` on; two models of one class contradict each other (one line naming them). */
export function bugModelOptions(models: readonly BugModel[]): Pick<ConnectionOptions, 'resetDataCredit' | 'refusedHeaderBlock'> {
  const options: Pick<ConnectionOptions, 'resetDataCredit' | 'refusedHeaderBlock'> = {};
  for (const model of models) {
    switch (model) {
      case 'window-leak-on-reset':
      case 'window-credit-on-reset':
        if (options.resetDataCredit && options.resetDataCredit.name !== model) throw new RangeError(`bug models ${options.resetDataCredit.name} and ${model} contradict each other`);
        options.resetDataCredit = model === 'window-leak-on-reset' ? LEAK_ON_RESET : CREDIT_ON_RESET;
        break;
      case 'hpack-drop-refused':
      case 'hpack-decode-refused':
        if (options.refusedHeaderBlock && options.refusedHeaderBlock.name !== model) throw new RangeError(`bug models ${options.refusedHeaderBlock.name} and ${model} contradict each other`);
        options.refusedHeaderBlock = model === 'hpack-drop-refused' ? DROP_REFUSED : DECODE_REFUSED;
        break;
    }
  }
  return options;
}
