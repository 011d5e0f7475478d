/* Times the guest's CPU workloads built for the host:
 *   ./native NAME ITERS [NAME ITERS ...]
 * prints one JSON line per workload: name, iters, checksum, ns (best of 3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernel.h"

extern const struct workload workloads_cpu[];
volatile u32 wl_failed;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    for (int a = 1; a + 1 < argc; a += 2) {
        const struct workload *w = workloads_cpu;
        while (w->name && strcmp(w->name, argv[a]) != 0) w++;
        if (!w->name) { fprintf(stderr, "unknown workload %s\n", argv[a]); return 2; }
        u32 iters = (u32)strtoul(argv[a + 1], NULL, 10);
        double best = 1e30;
        u32 sum = 0;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now_ns();
            sum = w->run(iters);
            double t = now_ns() - t0;
            if (t < best) best = t;
        }
        printf("{\"name\":\"%s\",\"iters\":%u,\"checksum\":\"0x%08x\",\"ns\":%.0f,\"failed\":%u}\n", w->name, iters, sum, best, wl_failed);
    }
    return 0;
}
