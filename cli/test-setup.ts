/** vitest's setup file (vitest.config.ts): every test file runs with the Node host installed, as the command does. */
import { installNodeHost } from './node-host.ts';

installNodeHost();
