/* Count what a stretch of any program costs, with vigil-count --regions:
 *
 *   #include <vigil/count.h>
 *   VIGIL_COUNT_BEGIN();
 *   handle(request);
 *   VIGIL_COUNT_END("handle");   // a string literal: the region's name
 *
 * `vigil-count --regions -- PROG ARGS` runs PROG under Valgrind's Callgrind
 * and reports, per region name, the instructions, data reads and writes,
 * cache misses and estimated cycles of one execution (the mean over all of
 * them): metrics count.<name>.instructions, ... Under plain execution both
 * macros are Valgrind client requests, a few instructions that do nothing.
 *
 * BEGIN zeroes Callgrind's counters and END writes them out, so regions do
 * not nest, and what other threads run meanwhile counts too. Needs Valgrind's
 * headers (Debian package valgrind); C and C++. */
#ifndef VIGIL_COUNT_H
#define VIGIL_COUNT_H

#include <valgrind/callgrind.h>

#define VIGIL_COUNT_BEGIN() CALLGRIND_ZERO_STATS
#define VIGIL_COUNT_END(name) CALLGRIND_DUMP_STATS_AT("vigil-count:" name)

#endif /* VIGIL_COUNT_H */
