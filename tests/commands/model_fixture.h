// Given/When/Then against the pure write model: Given evolves the model with past events, When
// decides a command, Run decides and, when accepted, evolves the model as the server does after
// the write.
#pragma once

#include <gtest/gtest.h>

#include "commands/decision.h"
#include "commands/model.h"
#include "events/status.h"

namespace kaiin::commands {

inline Date D(const char* s) { return *ParseDate(s); }

class ModelFixture : public ::testing::Test {
 protected:
  // One accepted event (fixtures that keep more, a ledger say, add to it).
  virtual void Apply(const events::Event& e) { Evolve(model_, e, ++position_); }

  void Given(std::vector<events::Event> history) {
    for (const auto& e : history) Apply(e);
  }

  template <typename Command>
  Result<Decision> When(const Command& c) {
    return Decide(model_, c, today_);
  }

  template <typename Command>
  Result<Decision> Run(const Command& c) {
    Result<Decision> d = When(c);
    if (d.ok()) {
      for (const Emitted& e : *d) Apply(e.event);
    }
    return d;
  }

  TenantModel model_;
  Date today_ = D("2026-11-21");
  uint64_t position_ = 0;
};

}  // namespace kaiin::commands
