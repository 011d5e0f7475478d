#!/bin/sh
":" //; n=0; while IFS=': 	' read -r k v; do [ "$k" = Cpus_allowed_list ] && { IFS=,; for r in $v; do case $r in *-*) n=$((n + ${r#*-} - ${r%-*} + 1));; *) n=$((n + 1));; esac; done; break; }; done 2>/dev/null </proc/self/status; unset IFS; f=$0; [ -L "$f" ] && { f=$(readlink -f -- "$f" 2>/dev/null) || f=$0; }; case $f in */*) ;; *) f=./$f;; esac; case $f in *.js) f=${f%/*}/launch.cjs;; esac; exec node --v8-pool-size=$(( n > 5 ? 4 : n > 2 ? n - 1 : 1 )) --no-use-osr "$f" "$@"
// (Line 2 is for the shell, a string and a comment for Node: run as a program, as `npx vmidbt`, npm's
// scripts and the benchmarks start it, this file starts Node on bin/launch.cjs, the launcher, with one
// V8 worker thread fewer than the cores it may run on (its affinity, counted from /proc/self/status
// with the shell's builtins: `nproc`, a process, took 2 ms of every start), at most Node's own four: V8
// optimizes hot translated code on those threads, and on two cores four of them took turns with the
// vCPU's own thread. bench/README.md, "V8's worker threads", has the measurements; cli/guest-process.ts
// `guestV8Pool` is the same rule for the processes the benchmarks start. Without on-stack replacement:
// a region whose loop runs a whole slice from its first call was optimised mid-loop, and where V8 never
// made the ordinary optimised code after that, the loop stayed in the on-stack-replaced code for the
// run, about twice as slow (bench/README.md, "On-stack replacement off"); cli/guest-process.ts
// `guestNodeOptions` passes the same flag. The launcher is CommonJS, found through the link `npx`
// starts this file by: an ES module as the program costs Node its module loader at every start (README,
// "How `vmidbt` starts"). `node bin/vmidbt.js` runs the same launcher, through this module, with
// whatever Node was given.)
import { createRequire } from 'node:module';

await createRequire(import.meta.url)('./launch.cjs');
