#include "vigil/framework/pipeline/middleware.hpp"

namespace vigil::framework {

void Next::operator()(Event& e) const {
  if (index_ < chain_->middleware_.size()) {
    chain_->middleware_[index_]->handle(e, Next(chain_, index_ + 1, handler_));
  } else {
    handler_(e);
  }
}

Chain& Chain::use(std::unique_ptr<Middleware> m) {
  middleware_.push_back(std::move(m));
  return *this;
}

void Chain::run(Event& e, HandlerRef handler) const { Next(this, 0, handler)(e); }

}  // namespace vigil::framework
