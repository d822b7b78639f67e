/**
 * The test suite's composition root for toxics (vitest runs it in each test file's process before
 * the file): as the CLI and the bench's processes do, it registers the built-in toxic types once,
 * so a test builds ToxicSets and parses configs as those roots' callers do.
 */
import { registerBuiltinToxics } from '../faults/toxics/builtin.js';

registerBuiltinToxics();
