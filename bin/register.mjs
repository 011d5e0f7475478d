// `node --import ./bin/register.mjs file.ts` runs a TypeScript entry point.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
