#pragma once
// Counts operator new/delete calls made by the calling thread while a
// CountingScope is alive (the test binary replaces global new/delete). Used
// to assert "nothing left allocated" and "no allocation per request".

#include <cstdint>

namespace vigil::framework::testing {

struct AllocationTally {
  std::int64_t news = 0;
  std::int64_t deletes = 0;
  std::int64_t net() const { return news - deletes; }
};

class CountingScope {
 public:
  CountingScope();
  ~CountingScope();
  CountingScope(const CountingScope&) = delete;
  CountingScope& operator=(const CountingScope&) = delete;
  AllocationTally tally() const;

 private:
  AllocationTally start_;
};

}  // namespace vigil::framework::testing
