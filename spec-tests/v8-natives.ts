/**
 * V8's own checks for tests that guard how V8 treats our objects (object
 * layouts, code kept optimised). They need V8's natives syntax, which this
 * module turns on when it is imported; only tests import it.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--allow-natives-syntax');

/** Do two objects share V8's hidden class (map)? */
export const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
/** Does an array hold its elements as generic objects (not small integers or doubles)? */
export const hasObjectElements = new Function('a', 'return %HasObjectElements(a)') as (a: unknown[]) => boolean;

const optimizationStatus = new Function('f', 'return %GetOptimizationStatus(f)') as (f: () => unknown) => number;
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)') as (f: () => unknown) => void;
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f)') as (f: () => unknown) => void;
/** V8's status bit for "optimised" (runtime-test-util's OptimizationStatus::kOptimized) */
const OPTIMIZED = 16;

/**
 * Optimise `read`, run `change`, call `read` again: is it still optimised
 * code? False when its code folded in something `change` changed.
 */
export function staysOptimized(read: () => unknown, change: () => void): boolean {
  prepare(read); read(); read(); optimizeNext(read); read();
  if ((optimizationStatus(read) & OPTIMIZED) === 0) throw new Error('staysOptimized: V8 did not optimise the function');
  change();
  read();
  return (optimizationStatus(read) & OPTIMIZED) !== 0;
}
