#pragma once
// The middleware chain: each middleware gets the event and a `Next` to call
// the rest of the chain (or not, to answer early). Dispatch is a virtual call
// per middleware and a function pointer for the handler: nothing is
// allocated per request.
//
// The core's middleware is in middleware/, one file each (default_chain.hpp
// brings them all). Formatting::FreshHeapStrings (the middleware-alloc bug)
// makes logger, request id and CORS format into fresh heap std::strings on
// every request, the way naive middleware does.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <vector>

#include "vigil/framework/pipeline/event.hpp"

namespace vigil::framework {

// How middleware formats the text it writes (log lines, ids, header lines).
enum class Formatting : std::uint8_t {
  ReuseBuffers,      // stack buffers and the event's own storage
  FreshHeapStrings,  // a new std::string per request (the middleware-alloc bug)
};

// A non-owning reference to a callable `void(Event&)`; the callable must
// outlive the call.
class HandlerRef {
 public:
  template <class F>
    requires(!std::same_as<std::remove_cvref_t<F>, HandlerRef> &&
             std::invocable<F&, Event&>)
  HandlerRef(F& f)  // NOLINT: implicit by design, like a function pointer
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Event& e) { (*static_cast<F*>(o))(e); }) {}
  HandlerRef(void (*fn)(Event&))  // NOLINT
      : object_(reinterpret_cast<void*>(fn)),
        call_([](void* o, Event& e) { reinterpret_cast<void (*)(Event&)>(o)(e); }) {}

  void operator()(Event& e) const { call_(object_, e); }

 private:
  void* object_;
  void (*call_)(void*, Event&);
};

class Chain;

// Calls the rest of the chain; cheap to copy (two pointers and an index).
class Next {
 public:
  void operator()(Event& e) const;

 private:
  friend class Chain;
  Next(const Chain* chain, std::size_t index, HandlerRef handler)
      : chain_(chain), index_(index), handler_(handler) {}
  const Chain* chain_;
  std::size_t index_;
  HandlerRef handler_;
};

class Middleware {
 public:
  virtual ~Middleware() = default;
  virtual std::string_view name() const = 0;
  virtual void handle(Event& e, const Next& next) = 0;
};

class Chain {
 public:
  Chain& use(std::unique_ptr<Middleware> m);
  template <class M, class... Args>
  M& emplace(Args&&... args) {
    auto m = std::make_unique<M>(std::forward<Args>(args)...);
    M& ref = *m;
    use(std::move(m));
    return ref;
  }
  // Runs the middleware in order, then `handler`.
  void run(Event& e, HandlerRef handler) const;
  std::size_t size() const { return middleware_.size(); }

 private:
  friend class Next;
  std::vector<std::unique_ptr<Middleware>> middleware_;
};

}  // namespace vigil::framework
