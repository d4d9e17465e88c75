// The common request path (GET / and GET /json, with request ids and CORS)
// allocates nothing once warm: parse, pipeline, render. Counted by replacing the global operator new for this test binary
// (per thread, so other threads' work does not count).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "vigil/framework/pipeline/app.hpp"
#include "vigil/harness/defects.hpp"
#include "vigil/harness/reference_service.hpp"
#include "vigil/framework/http/parser.hpp"
#include "vigil/framework/http/response_writer.hpp"

namespace {
thread_local std::size_t g_allocations = 0;
}  // namespace

// These replacements pair malloc with free by design; GCC 12 sees them inlined
// into new-expressions in this file and warns of a mismatch that is not one.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace vigil::framework::http {
namespace {

// Serves `wire` (possibly several pipelined requests) the way a connection
// does, appending the responses to `out`; returns the number served.
int serve(App& app, Worker& worker, Session& session, RequestParser& parser, std::string& wire,
          Response& response, DateCache& date, std::string& out) {
  int served = 0;
  std::size_t begin = 0;
  while (parser.parse(wire.data() + begin, wire.size() - begin) == ParseStatus::Complete) {
    const Request& request = parser.request();
    app.handle(worker, session, request, response);
    append_response(out, response, {false, request.keep_alive, request.version_minor}, date.now());
    begin += parser.consumed();
    parser.reset();
    ++served;
  }
  return served;
}

TEST(Allocation, CommonRequestPathAllocatesNothingOnceWarm) {
  AppOptions options;
  options.batch.batch_size = 1 << 30;  // batch workers start threads; not per request
  const auto owned = harness::make_reference_app(options);
  App& app = *owned;
  auto worker = app.make_worker();
  auto session = app.open_session("127.0.0.1:4000");
  RequestParser parser;
  Response response;
  DateCache date;
  std::string out;
  std::string wire =
      "GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: wrk\r\n\r\n"
      "GET /json HTTP/1.1\r\nHost: bench\r\n\r\n"
      "HEAD /json?x=1 HTTP/1.1\r\nHost: bench\r\nX-Request-Id: abc-1\r\n\r\n"
      "GET / HTTP/1.1\r\nHost: bench\r\nOrigin: https://a.example\r\n\r\n";
  out.reserve(64 * 1024);
  for (int i = 0; i < 200; ++i) {  // warm-up: buffers, pool, caches reach their size
    out.clear();
    ASSERT_EQ(serve(app, *worker, *session, parser, wire, response, date, out), 4);
  }
  std::size_t before = g_allocations;
  for (int i = 0; i < 500; ++i) {
    out.clear();
    serve(app, *worker, *session, parser, wire, response, date, out);
  }
  EXPECT_EQ(g_allocations - before, 0u) << "allocations over 2000 requests";
}

TEST(Allocation, MiddlewareAllocDefectAllocatesPerRequest) {
  std::string error;
  AppOptions options;
  options.batch.batch_size = 1 << 30;
  const auto defects = harness::DefectSet::parse(std::vector<std::string>{"middleware-alloc"}, error);
  const auto owned = harness::make_reference_app(harness::apply_defects(*defects, options));
  App& app = *owned;
  auto worker = app.make_worker();
  auto session = app.open_session("127.0.0.1:4000");
  RequestParser parser;
  Response response;
  DateCache date;
  std::string out;
  std::string wire = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
  for (int i = 0; i < 200; ++i) serve(app, *worker, *session, parser, wire, response, date, out);
  std::size_t before = g_allocations;
  for (int i = 0; i < 100; ++i) {
    out.clear();
    serve(app, *worker, *session, parser, wire, response, date, out);
  }
  EXPECT_GE(g_allocations - before, 100u);
}

}  // namespace
}  // namespace vigil::framework::http
