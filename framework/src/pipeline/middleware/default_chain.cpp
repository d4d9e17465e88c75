#include "vigil/framework/pipeline/middleware/default_chain.hpp"

namespace vigil::framework {

RateLimiterMiddleware& add_default_middleware(Chain& chain, LogSink& sink, Formatting formatting,
                                              CorsOptions cors, RateLimitOptions rate) {
  chain.emplace<RequestIdMiddleware>(formatting);
  chain.emplace<LoggerMiddleware>(sink, formatting);
  chain.emplace<RecoveryMiddleware>();
  chain.emplace<CorsMiddleware>(std::move(cors), formatting);
  return chain.emplace<RateLimiterMiddleware>(rate);
}

Chain make_default_chain(LogSink& sink, Formatting formatting, CorsOptions cors, RateLimitOptions rate) {
  Chain chain;
  add_default_middleware(chain, sink, formatting, std::move(cors), rate);
  return chain;
}

}  // namespace vigil::framework
