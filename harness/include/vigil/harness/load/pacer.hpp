#pragma once
// When each request is meant to be sent, and what its latency is.
//
// Closed loop: a connection sends its next request as soon as it has room;
// the intended send time is the actual one. Constant rate: the run's rate is
// spread evenly over the connections, each on its own fixed schedule
// (intended time of request k on connection c = start + c/R + k*C/R). A
// request that cannot go out on time because the server has not answered
// the ones before it still counts its latency from its intended time: a
// stalled server shows as the long latency every scheduled request would
// have seen (the correction for coordinated omission that wrk2 makes).
// Times are nanoseconds on the monotonic clock.

#include <cstdint>

namespace vigil::harness::load {

using Nanos = std::int64_t;

// Now, on the monotonic clock.
Nanos monotonic_now();

class Pacer {
 public:
  static Pacer closed_loop() { return Pacer(); }
  // `rate`: requests per second over all `connections`; this is `connection`.
  static Pacer constant_rate(double rate, std::uint32_t connection, std::uint32_t connections, Nanos start);

  bool paced() const { return interval_ns_ > 0; }
  // The intended time of the next request (paced only).
  Nanos next_due() const;
  // The next request's intended time, advancing the schedule; `now` for a
  // closed loop.
  Nanos take(Nanos now);
  // Nanoseconds between two requests of this connection (0: closed loop).
  double interval_ns() const { return interval_ns_; }

 private:
  double first_ns_ = 0;
  double interval_ns_ = 0;
  std::uint64_t next_ = 0;
};

// The timing of one request from send to answer.
struct RequestTiming {
  Nanos intended = 0;  // when it was meant to go out
  Nanos sent = 0;      // when it went out
  Nanos room_at = 0;   // when its connection last had room for it
};

// From the intended send time: what a user of a server on this schedule sees.
inline Nanos corrected_latency(const RequestTiming& t, Nanos answered) { return answered - t.intended; }
// From the actual send time, as wrk measures it; hides a server's stalls.
inline Nanos uncorrected_latency(const RequestTiming& t, Nanos answered) { return answered - t.sent; }
// How late the generator itself sent it: after it was due and its connection
// had room. A large lag is a saturated generator, not a slow server.
inline Nanos send_lag(const RequestTiming& t) {
  const Nanos ready = t.intended > t.room_at ? t.intended : t.room_at;
  return t.sent > ready ? t.sent - ready : 0;
}

}  // namespace vigil::harness::load
