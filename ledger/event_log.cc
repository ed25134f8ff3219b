#include "ledger/event_log.h"

#include <future>

namespace kaiin::ledger {

Result<CommitResult> EventLog::SubmitAndWait(CommandMeta meta, DecideFn decide) {
  // The callback owns the promise with us: set_value may still be running on the writer thread
  // after get() has returned here, so the promise must not live on this stack.
  auto promise = std::make_shared<std::promise<Result<CommitResult>>>();
  auto future = promise->get_future();
  Submit(std::move(meta), std::move(decide),
         [promise](Result<CommitResult> r) { promise->set_value(std::move(r)); });
  return future.get();
}

Result<CommitResult> EventLog::Append(CommandMeta meta, StreamAppend append) {
  return SubmitAndWait(std::move(meta), [append = std::move(append)](WriteContext& ctx) mutable {
    return ctx.Append(std::move(append));
  });
}

}  // namespace kaiin::ledger
