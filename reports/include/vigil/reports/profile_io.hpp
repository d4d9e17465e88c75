#pragma once
// A Profile in the formats other tools read: Brendan Gregg's folded stacks
// (flamegraph.pl, speedscope, inferno), pprof's gzipped profile.proto
// (pprof, speedscope), and the report envelope's own JSON form (what a
// report's "profiles" entry holds: every frame field kept).

#include <string>
#include <string_view>

#include "vigil/reports/profile.hpp"

namespace vigil::reports {

// One line per distinct stack, "main;serve;parse 12": frames root first by
// frame_name(), identical stacks merged, lines sorted. ';' and line breaks in
// a name become '_', since they would split it.
std::string to_folded(const Profile& p);

// Reads folded stacks (blank lines skipped); throws ReportError naming the
// first bad line ("line 3: ...").
Profile from_folded(std::string_view text);

// pprof's profile.proto, gzipped: sample types samples/count and
// cpu/nanoseconds, period from period_seconds; one Location per machine
// frame with its inlined frames as extra Lines, one Mapping per module.
std::string to_pprof_gz(const Profile& p);

// The JSON of one "profiles" entry of a report, as text (vigil-server's
// /debug/pprof/profile?format=json answers it, vigil-load reads it).
std::string to_profile_json(const Profile& p);
// Reads it back; throws ReportError with a one-line reason.
Profile from_profile_json(std::string_view text);

}  // namespace vigil::reports
