#pragma once
// A diff with something of everything: a regression, an improvement, series
// on both sides, findings new and gone.

#include "vigil/reports/diff.hpp"

namespace vigil::reports::test {

inline DiffResult sample_diff(const std::string& labels_base = "baseline", const std::string& labels_cur = "current") {
  Report base = make_report("leak-test"), cur = make_report("leak-test");
  base.set_metric("leak.bytes_per_cycle", 0, "bytes", Better::Lower);
  cur.set_metric("leak.bytes_per_cycle", 4096, "bytes", Better::Lower);
  base.set_metric("route.lookup_ns", 30, "ns", Better::Lower, {30, 31, 29, 30.5, 29.5, 30.2});
  cur.set_metric("route.lookup_ns", 20, "ns", Better::Lower, {20, 21, 19, 20.5, 19.5, 20.2});
  base.set_metric("pool.reuse_ratio", 0.99, "ratio", Better::Higher);
  cur.set_metric("pool.reuse_ratio", 0.99, "ratio", Better::Higher);
  base.set_metric("only.base|pipe", 1, "", Better::None);
  Series b{"cycle", "bytes", {}}, c{"cycle", "bytes", {}};
  for (int i = 0; i < 20; ++i) {
    b.points.emplace_back(i, 1000);
    c.points.emplace_back(i, 1000 + 4096.0 * i);
  }
  base.series["live_bytes"] = b;
  cur.series["live_bytes"] = c;
  Finding leak;
  leak.kind = "leak";
  leak.message = "4096 bytes per cycle <std::string>";
  leak.bytes = 4096;
  leak.stack.push_back(Frame{"vigil::framework::Event::reset", "event.cpp", 42, "vigil-leak-test", 0});
  cur.add_finding(leak);
  DiffOptions o;
  o.base_label = labels_base;
  o.current_label = labels_cur;
  DiffResult d = diff_reports(base, cur, o);
  d.base_name = "base.json";
  d.current_name = "cur.json";
  return d;
}

}  // namespace vigil::reports::test
