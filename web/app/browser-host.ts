/**
 * The browser implementation of the machine's host interface
 * (base/host.ts), installed by the page (main.ts) before it boots.
 *
 * `yieldNow` posts a message to itself rather than calling `setTimeout(0)`,
 * which browsers clamp to 4 ms once timeouts nest: between two 30 ms runs
 * of the machine that would be a tenth of the guest's speed. A message is
 * a task like any other, so input events and painting still get their
 * turn. Settings are the page's query parameters
 * (`?VMIDBT_CHECK_GENERATED=1`), the browser's environment variables.
 */
import type { Host } from '../../base/host.ts';

function messageYield(): () => Promise<void> {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () => new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

export function browserHost(search: string = location.search): Host {
  const query = new URLSearchParams(search);
  return {
    name: 'browser',
    now: () => performance.now(),
    wallClock: () => Date.now(),
    yieldNow: messageYield(),
    sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    setting: (name) => query.get(name) ?? undefined,
  };
}
