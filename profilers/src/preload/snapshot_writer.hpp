#pragma once
// What the tracker writes into its capture file (the records:
// vigil/profilers/capture_format.hpp): the process header, snapshots — the
// sites first seen since the last one, every site's counters, the live
// threads, the module map — and the exit record with the verdicts of the
// reachability scan. Every function but open_capture() is called with
// g_snapshot_lock held, inside a TrackerScope.

#include <pthread.h>

#include <cstdint>
#include <string_view>

namespace vigil::preload {

extern pthread_mutex_t g_snapshot_lock;

// Creates the capture file in the configured folder and writes its header;
// false when it cannot (the tracker then stays off).
bool open_capture();
void write_snapshot(std::string_view trigger);
// Classifies the unfreed blocks, writes the exit record, and leaves the
// tracker Finished.
void write_exit_record();
// The module map: a `module` record and its `range` records per loaded module.
void write_module_map();
void close_capture();

std::uint64_t monotonic_ns();

}  // namespace vigil::preload
