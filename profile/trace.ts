/**
 * Chrome's Trace Event format (the JSON object form, which Perfetto and
 * chrome://tracing open): one process, the machine; one thread per vCPU,
 * named; VMI calls as complete events ("X": through the ROM with their host
 * duration, inlined ones with duration 0, since nothing times them),
 * interrupts and exceptions as thread-scoped instants ("i"), and counters
 * ("C": the deferred queue at each flush, the translator's figures at each
 * sample). Timestamps are microseconds of host time since the profile
 * started, sorted per thread so that each track is monotonic.
 */
import type { RawProfile, TraceEvent } from './collector.ts';

export interface ChromeTrace {
  traceEvents: Record<string, unknown>[];
  displayTimeUnit: 'ms' | 'ns';
  otherData: Record<string, string | number>;
}

export const TRACE_PID = 1;

export function toChromeTrace(raw: RawProfile, vcpus: number[], about: Record<string, string | number>): ChromeTrace {
  const meta = [
    { ph: 'M', name: 'process_name', pid: TRACE_PID, tid: 0, args: { name: 'vmidbt guest' } },
    ...vcpus.map((id) => ({ ph: 'M', name: 'thread_name', pid: TRACE_PID, tid: id, args: { name: `vCPU${id}` } })),
  ];
  const sorted = [...raw.trace].sort((a, b) => a.tid - b.tid || a.ts - b.ts);
  const events = sorted.map((e: TraceEvent) => {
    const out: Record<string, unknown> = { ph: e.ph, name: e.name, pid: TRACE_PID, tid: e.tid, ts: e.ts, cat: e.ph === 'X' ? 'vmi' : e.ph === 'i' ? 'interrupt' : 'counter' };
    if (e.ph === 'X') out.dur = e.dur ?? 0;
    if (e.ph === 'i') out.s = 't';
    if (e.args) out.args = e.args;
    return out;
  });
  return { traceEvents: [...meta, ...events], displayTimeUnit: 'ms', otherData: { ...about, droppedEvents: raw.traceDropped } };
}
