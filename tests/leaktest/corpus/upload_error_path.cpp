// Leaky: an upload handler that copies each body into a scratch buffer and
// frees it when done, except on the validation-error path, which returns
// early. About one upload in nine is rejected, so a few buffers of varying
// size are lost every cycle among many that are freed.
#include <cstring>
#include <string>

#include "service_loop.hpp"

namespace {

corpus::Random g_random(7);

bool valid_payload(const char* data, std::size_t size) {
  return size > 0 && data[0] != '!';
}

int handle_upload(const std::string& body) {
  char* scratch = new char[body.size()];
  std::memcpy(scratch, body.data(), body.size());
  if (!valid_payload(scratch, body.size())) return 400;  // bug: scratch is not freed here
  int checksum = 0;
  for (std::size_t i = 0; i < body.size(); ++i) checksum += scratch[i];
  delete[] scratch;
  return checksum >= 0 ? 200 : 500;
}

void handle(std::uint64_t) {
  std::string body(64 + g_random.below(400), 'x');
  if (g_random.below(9) == 0) body[0] = '!';
  handle_upload(body);
}

}  // namespace

int main(int argc, char** argv) { return corpus::serve(argc, argv, {60, 50}, handle); }
