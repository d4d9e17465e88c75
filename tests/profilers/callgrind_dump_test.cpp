#include "vigil/profilers/callgrind_dump.hpp"

#include <gtest/gtest.h>

#include "vigil/profilers/event_counts.hpp"

namespace vigil::profilers {
namespace {

// A dump as Callgrind writes one, with compressed names, a call (whose cost
// line is the callee's, not the caller's), relative positions and trailing
// zero costs left out.
constexpr const char* kDump = R"(# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 4242
cmd:  /tmp/vigil-count-abc123/program --benchmark_filter=^BM_X$
part: 4


desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: Timerange: Basic block 10 - 20
desc: Trigger: --dump-before=benchmark::State::FinishKeepRunning()

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
summary: 1000 300 100 5 4 3 2 1


ob=(1) /usr/lib/x86_64-linux-gnu/libc.so.6
fl=(1) ???
fn=(1) memcpy
0 100 50 20

ob=(2) /opt/app/bench
fl=(2) /src/app.cpp
fn=(2) work(int)
10 500 150 50 5 4 3 2 1
cob=(1)
cfi=(1)
cfn=(1)
calls=10 0
10 100 50 20
+2 200 50 10
fn=(3) main
cfn=(2)
calls=1 10
* 800 250 80 5 4 3 2 1
fl=(2)
fn=(2)
12 200 50 20

totals: 1000 300 100 5 4 3 2 1
)";

TEST(CallgrindDump, ReadsTheHeaderAndOwnCostsPerFunction) {
  const CallgrindDump d = parse_callgrind_dump(kDump);
  EXPECT_EQ(d.part, 4);
  EXPECT_EQ(d.creator, "callgrind-3.19.0");
  EXPECT_EQ(d.trigger, "--dump-before=benchmark::State::FinishKeepRunning()");
  EXPECT_EQ(d.totals[Event::Ir], 1000);
  EXPECT_EQ(d.totals[Event::DLmr], 1);
  EXPECT_EQ(d.totals[Event::DLmw], 0);
  ASSERT_EQ(d.functions.size(), 2u);  // main has no cost of its own
  EXPECT_EQ(d.functions[0].function, "memcpy");
  EXPECT_EQ(d.functions[0].object, "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(d.functions[0].file, "");
  EXPECT_EQ(d.functions[0].self[Event::Ir], 100);
  EXPECT_EQ(d.functions[1].function, "work(int)");
  EXPECT_EQ(d.functions[1].file, "/src/app.cpp");
  EXPECT_EQ(d.functions[1].self[Event::Ir], 900);  // 500 + 200 + 200; the call's 100 is memcpy's
  EXPECT_EQ(d.functions[1].self[Event::I1mr], 5);
  // Own costs add up to the totals.
  EventCounts sum;
  for (const auto& f : d.functions) sum += f.self;
  EXPECT_EQ(sum, d.totals);
}

TEST(CallgrindDump, HeaderOnly) {
  const CallgrindDump d = parse_callgrind_dump(kDump, false);
  EXPECT_EQ(d.trigger, "--dump-before=benchmark::State::FinishKeepRunning()");
  EXPECT_EQ(d.totals[Event::Ir], 1000);
  EXPECT_TRUE(d.functions.empty());
}

TEST(CallgrindDump, MalformedInputIsReported) {
  EXPECT_THROW(parse_callgrind_dump("hello\nworld\n"), CallgrindFormatError);
  EXPECT_THROW(parse_callgrind_dump("events: Ir\nfn=(1)\n0 5\n"), CallgrindFormatError);  // id never defined
  EXPECT_THROW(parse_callgrind_dump("0 5\nevents: Ir\n"), CallgrindFormatError);         // costs before events
  EXPECT_THROW(parse_callgrind_dump("events: Ir\nfn=f\n0 5 6\n"), CallgrindFormatError);  // more costs than events
  EXPECT_THROW(parse_callgrind_dump("events: Ir\nfn=f\n0 x\n"), CallgrindFormatError);
  EXPECT_THROW(read_callgrind_dump("/nonexistent/cg.out.1"), CallgrindFormatError);
}

TEST(EventCounts, EstimatedCyclesWeighL1HitsLLHitsAndMemory) {
  EventCounts c;
  c[Event::Ir] = 100;
  c[Event::Dr] = 30;
  c[Event::Dw] = 10;
  c[Event::I1mr] = 2;
  c[Event::D1mr] = 3;
  c[Event::D1mw] = 1;
  c[Event::ILmr] = 1;
  c[Event::DLmr] = 1;
  EXPECT_EQ(c.l1_misses(), 6);
  EXPECT_EQ(c.ll_misses(), 2);
  // 140 accesses: 134 L1 hits, 4 LL hits, 2 from memory.
  EXPECT_EQ(c.estimated_cycles(), 134 + 5 * 4 + 35 * 2);
  EXPECT_EQ((c / 2)[Event::Ir], 50);
  EXPECT_EQ(parse_event_name("D1mw"), Event::D1mw);
  EXPECT_FALSE(parse_event_name("Bc").has_value());
  EXPECT_EQ(event_name(Event::ILmr), "ILmr");
}

}  // namespace
}  // namespace vigil::profilers
