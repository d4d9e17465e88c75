#pragma once
// The reference service: the application every Vigil tool runs on the core
// (vigil-server on the network, the leak driver and the scenario runner
// in-process), written with the public App API the way a user writes theirs.
//
// Routes: GET / (text "Hello, World!"), GET /json (rendered once, then
// served from a response cache), GET /users/:id, POST /echo, GET /metrics
// (Prometheus text); HEAD is answered as GET.
// Middleware: the default chain (request id, logger, recovery, CORS, rate
// limiter). GET / and GET /json allocate nothing once warm. /users/:id and
// /echo keep request data in the event's context map (one owned entry each,
// freed by the pool's reset): the routes where event-pool-leak shows;
// /users/:id builds its display name in the request arena.

#include <memory>

#include "vigil/framework/pipeline/app.hpp"

namespace vigil::harness {

// Adds the reference routes and middleware to `app` (routes it has already
// would clash: give it a fresh App).
void add_reference_service(framework::App& app);

// A fresh App with `options`, serving the reference service.
std::unique_ptr<framework::App> make_reference_app(framework::AppOptions options = {});

}  // namespace vigil::harness
