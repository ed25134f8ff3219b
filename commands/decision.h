// What a decide step returns: the events to append, each with its stream and effective date.
#pragma once

#include <string>
#include <vector>

#include "events/date.h"
#include "events/event.h"

namespace kaiin::commands {

struct Emitted {
  std::string stream;
  events::Event event;
  Date effective_date = 0;
  uint64_t causation = 0;  // the position of the event this one compensates; 0: none
};

using Decision = std::vector<Emitted>;

}  // namespace kaiin::commands
