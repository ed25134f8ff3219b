// libFuzzer target: the write-model snapshot decoder (commands/model_codec.h) on arbitrary
// bytes, as a damaged disk could hand them to a start-up or to `kaiin-replay verify`. Whatever it
// decodes must survive a round trip: encoded again and decoded, the model is the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "commands/model_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  kaiin::commands::TenantModel model;
  if (!kaiin::commands::DecodeModel(bytes, &model).ok()) return 0;
  kaiin::commands::TenantModel again;
  if (!kaiin::commands::DecodeModel(kaiin::commands::EncodeModel(model), &again).ok() ||
      !(again == model)) {
    std::abort();  // a model that decodes must come back from its own encoding
  }
  return 0;
}
