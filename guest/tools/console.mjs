// A guest's console as it arrives, for the run scripts (run-on-qemu.mjs,
// run-on-vmidbt.mjs): text is cut into whole lines, and the lines the guest
// kernel prints for its harness are recognised: `RESULT name= iters= cycles=
// checksum=` after each workload, `DONE ...` at the end. Every line is kept
// in `log` for a failure report. Fields are handed on as the strings printed.
const RESULT = /^RESULT name=(\S+) iters=(\d+) cycles=(\d+) checksum=(0x[0-9a-f]{8})$/;

/** A console reader: `take(text)` feeds it; `onResult`, `onDone`, `onOther` receive lines. */
export function consoleReader({ onResult, onDone, onOther }) {
  let buf = '';
  const reader = {
    log: '',
    take(text) {
      buf += text;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        reader.log += line + '\n';
        const m = RESULT.exec(line);
        if (m) onResult({ name: m[1], iters: m[2], cycles: m[3], checksum: m[4] });
        else if (line.startsWith('DONE ')) onDone(line);
        else onOther(line);
      }
    },
  };
  return reader;
}
