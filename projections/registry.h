// Every projection kaiin maintains, in one list: the server runs these and the verifier rebuilds
// these. Adding a read model is one line here.
#pragma once

#include <memory>
#include <vector>

#include "projections/projection.h"

namespace kaiin::projections {

std::vector<std::unique_ptr<Projection>> MakeAllProjections();

}  // namespace kaiin::projections
