#pragma once
// The standard chain of the core's middleware.

#include "vigil/framework/pipeline/middleware.hpp"
#include "vigil/framework/pipeline/middleware/cors.hpp"
#include "vigil/framework/pipeline/middleware/logger.hpp"
#include "vigil/framework/pipeline/middleware/rate_limiter.hpp"
#include "vigil/framework/pipeline/middleware/recovery.hpp"
#include "vigil/framework/pipeline/middleware/request_id.hpp"

namespace vigil::framework {

// Appends the standard middleware to `chain`: request id, logger (into
// `sink`), recovery, CORS, rate limiter; returns the rate limiter (for its
// counters).
RateLimiterMiddleware& add_default_middleware(Chain& chain, LogSink& sink, Formatting formatting,
                                              CorsOptions cors, RateLimitOptions rate);

// A chain of the standard middleware alone.
Chain make_default_chain(LogSink& sink, Formatting formatting = Formatting::ReuseBuffers,
                         CorsOptions cors = {}, RateLimitOptions rate = {});

}  // namespace vigil::framework
