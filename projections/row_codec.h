// Projection rows use the binary format of events/row_codec.h.
#pragma once

#include "events/row_codec.h"

namespace kaiin::projections {

using events::GetOptionalAddress;
using events::GetPersonName;
using events::PutOptionalAddress;
using events::PutPersonName;
using events::RowReader;
using events::RowWriter;

}  // namespace kaiin::projections
