// Loaded with `node --import` by the image fuzzer (fuzz-images.ts): at exit,
// writes the process's peak resident memory in KiB to file descriptor 3, so
// the parent can hold each run to the stated memory bound. Silent when fd 3
// is not open.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  try {
    writeSync(3, String(process.resourceUsage().maxRSS));
  } catch {
    // no fd 3: not run by the fuzzer
  }
});
