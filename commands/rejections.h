// Helpers for the named rejections the commands' decide steps return. Internal to commands/.
#pragma once

#include <string>
#include <vector>

#include "events/status.h"

namespace kaiin::commands {

// InvalidArgument validation_failed with the field errors.
inline Status Invalid(std::vector<FieldError> errors) {
  return Status::InvalidArgument("validation_failed", "the command has invalid fields",
                                 std::move(errors));
}

}  // namespace kaiin::commands
