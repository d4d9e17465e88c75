// The App as an HTTP service: each connection's read buffer is sized by its
// buffer-size history, as the connection reads it through the handler.
#include "vigil/framework/http/app_service.hpp"

#include <gtest/gtest.h>

#include <string>

#include "vigil/harness/defects.hpp"
#include "vigil/harness/reference_service.hpp"

namespace vigil::framework::http {
namespace {

Request post_echo(const std::string& body) {
  Request r;
  r.method = "POST";
  r.target = r.path = "/echo";
  r.body = body;
  return r;
}

TEST(AppService, ReadBufferFollowsTheConnectionsRecentRequests) {
  const auto app = harness::make_reference_app();
  AppService service(*app);
  const auto worker = service.make_worker();
  const auto connection = worker->open("127.0.0.1:7000");
  const std::size_t idle = connection->read_buffer_size();
  EXPECT_EQ(idle, BufferHistoryOptions{}.min_buffer);

  Response response;
  connection->handle(post_echo(std::string(100'000, 'x')), response);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(connection->read_buffer_size(), 128u * 1024);  // the power of two above 100 KB

  const auto other = worker->open("127.0.0.1:7001");  // histories are per connection
  EXPECT_EQ(other->read_buffer_size(), idle);
}

TEST(AppService, AnUnboundedHistoryGrowsWithEveryRequestOfAConnection) {
  harness::DefectSet defects;
  defects.enable(harness::Defect::HistoryUnbounded);
  const auto app = harness::make_reference_app(harness::apply_defects(defects));
  AppService service(*app);
  const auto worker = service.make_worker();
  const auto connection = worker->open("127.0.0.1:7000");
  Response response;
  for (int i = 0; i < 1000; ++i) connection->handle(post_echo("ping"), response);
  EXPECT_EQ(app->stats().history_entries, 1000u);
  EXPECT_EQ(connection->read_buffer_size(), BufferHistoryOptions{}.min_buffer);
}

}  // namespace
}  // namespace vigil::framework::http
