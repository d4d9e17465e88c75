#pragma once
// The pipeline's counters in the Prometheus text exposition format 0.0.4
// (what GET /metrics answers). Family names are stable: dashboards use them.

#include <string>

namespace vigil::framework {

struct AppStats;

// Appends every family (HELP, TYPE and samples) for `stats`, and the
// process's resident memory, to `out`.
void append_prometheus_text(const AppStats& stats, std::string& out);

}  // namespace vigil::framework
