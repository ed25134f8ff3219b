// The HTTP API as plain functions: Api::Handle takes a Request and answers through a Responder.
// No sockets here (server.cc does I/O); tests call Handle directly.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "commands/decision.h"
#include "commands/model.h"
#include "events/hash.h"
#include "events/json_writer.h"
#include "http/auth.h"
#include "http/client_address.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/tenant_registry.h"

namespace kaiin::http {

struct ApiOptions {
  std::string admin_token;                              // platform admin's bearer token
  std::chrono::milliseconds min_position_wait{2000};    // how long ?min_position= may wait
  size_t events_page_max = 1000;                        // GET {T}/events limit
  int64_t session_ttl_micros = 12LL * 3600 * 1000000;   // a login lasts 12 h
  size_t sessions_max = 1'000'000;
  bool strict_password_hashing = true;  // argon2id interactive limits; false only in tests
  std::string reset_link_base = "http://127.0.0.1:8080/reset-password";
  std::string email_change_link_base = "http://127.0.0.1:8080/confirm-email";
  std::function<TimestampMicros()> clock;  // the wall clock unless a test sets one
  // Where POST {T}/backups puts its copies (kaiind: --backup-dir, default DATA_DIR/backups);
  // empty: backups are refused.
  std::string backup_dir;
  // Reverse proxies whose X-Forwarded-For names the client (kaiind --trusted-proxies); none:
  // the TCP peer is the client and the header is not read.
  TrustedProxies trusted_proxies;
};

class Api {
 public:
  Api(TenantRegistry* tenants, ApiOptions options);

  // Routes, authorizes and answers the request; records metrics. Thread-safe.
  void Handle(const Request& request, Responder respond);

  // The Prometheus text of /metrics.
  std::string RenderMetrics() const;

  // Finishes the password work (it may submit commands) and the copy of a log being made, and
  // takes no more. Call after the server stopped and before the tenants close.
  void Shutdown() {
    BeginShutdown();
    hashers_.Stop();
    backups_.Stop();
  }
  // Backups not yet begun are not made: one queued answers 503 shutting_down, and an
  // all-society backup under way stops after the copy it is making (a long nightly job must
  // not hold a stopping server), naming the societies it did not copy. Shutdown calls it first.
  void BeginShutdown() { stopping_.store(true, std::memory_order_release); }

 private:
  void AddRoutes();
  // Registers a member function as the handler of `method pattern`.
  template <typename Handler>
  void Route(std::string method, std::string pattern, Handler handler) {
    router_.Add(std::move(method), std::move(pattern),
                [this, handler](const Request& r, const Params& p, Responder respond) {
                  (this->*handler)(r, p, std::move(respond));
                });
  }
  bool IsAdmin(const Request& r) const;
  // Resolves {tenant}; answers 404 and returns nullptr when it does not exist.
  Tenant* RequireTenant(const Params& p, Responder& respond) const;
  // Runs a projection query once the tenant's projections reach ?min_position (bounded wait).
  // A `cached` query's answer depends on its path, its query parameters, the projections' rows
  // and the tenant's date only: it may come from the tenant's AnswerCache.
  enum class Cache { kNo, kYes };
  void Query(Tenant* t, const Request& r, Responder respond, std::function<Response()> run,
             uint64_t at_least = 0, Cache cache = Cache::kNo);

  // Who may use a tenant route (docs/security.md). The platform admin may do everything.
  enum class Access {
    kAdmin,      // the platform admin
    kWrite,      // the secretariat
    kRead,       // the secretariat and auditors
    kSelf,       // the secretariat, auditors, and the member whose {id} it is
    kSelfWrite,  // the secretariat, and the member whose {id} it is
    kAnyone,     // any logged-in principal of the tenant (the handler narrows it)
  };
  // Who the bearer token belongs to; Unauthenticated when absent, unknown, expired, or a session
  // of another tenant.
  Result<Principal> Authenticate(const Request& r, std::string_view tenant) const;
  bool Authorize(const Request& r, const Params& p, Access access, Responder& respond,
                 Principal* who = nullptr) const;
  // Authorize, then RequireTenant: the start of every tenant route.
  Tenant* BeginTenant(const Request& r, const Params& p, Access access, Responder& respond,
                      Principal* who = nullptr) const;
  TimestampMicros Now() const { return options_.clock(); }
  // Who sent the request: its TCP peer, or the client a trusted proxy names.
  std::string ClientAddress(const Request& r) const;

  // A command against the tenant's write model, run on the tenant's writer thread: checks
  // `expected` (If-Match), decides, appends the events, evolves the model, and answers with
  // `answer` once the events are durable (or replays the first answer for a known
  // Idempotency-Key).
  struct Expected {
    std::string stream;
    uint64_t version = 0;
  };
  using DecideFn =
      std::function<Result<commands::Decision>(const commands::TenantModel&, Date today)>;
  using AnswerFn = std::function<std::pair<int, std::string>(
      const commands::Decision&, const commands::TenantModel&, ledger::WriteContext&)>;
  void RunCommand(Tenant* t, const Request& r, DecideFn decide, AnswerFn answer,
                  std::optional<Expected> expected, Responder respond);
  // The decide step of a command with a `Decide(model, command, today)` overload (found by
  // argument-dependent lookup in commands/).
  template <typename Command>
  static DecideFn Decider(Command command) {
    return [command = std::move(command)](const commands::TenantModel& m, Date today) {
      return Decide(m, command, today);
    };
  }
  // Hashes `password` (argon2id) on the worker pool, then calls `then(hash)` there; answers 503
  // overloaded when the pool's queue is full.
  void WithPasswordHash(std::string password, Responder& respond,
                        std::function<void(std::string hash)> then);
  // Reads If-Match ("5" or 5) for `stream`; false (answered 400) when malformed.
  bool ReadIfMatch(const Request& r, const std::string& stream, std::optional<Expected>* out,
                   Responder& respond) const;

  void PutTenant(const Request& r, const Params& p, Responder respond);
  void GetTenant(const Request& r, const Params& p, Responder respond);
  void GetEvents(const Request& r, const Params& p, Responder respond);
  void GetEventCounts(const Request& r, const Params& p, Responder respond);
  void RebuildProjection(const Request& r, const Params& p, Responder respond);
  // The tenants whose settings are made (PUT /v1/tenants/{tenant}), by id.
  struct ConfiguredTenant {
    Tenant* tenant;
    events::TenantConfigured settings;
  };
  std::vector<ConfiguredTenant> ConfiguredTenants() const;
  void ListTenants(const Request& r, const Params& p, Responder respond);
  // BACKUP_DIR/<tenant> (BACKUP_DIR for ""); nullopt, with a 503 backups_off answered, when the
  // server keeps none.
  std::optional<std::filesystem::path> BackupRoot(std::string_view tenant,
                                                  const Responder& respond) const;
  // BACKUP_DIR/<tenant>, the folder every backup route and /metrics read (backups on).
  std::filesystem::path BackupFolder(std::string_view tenant) const;
  // Copies the tenant's log into BACKUP_DIR/<tenant>/<name> (backup worker only).
  struct MadeBackup {
    std::string name;
    std::string data_dir;
    uint64_t log_head = 0;
    // Its fields as both backup routes answer them, into an object the caller opened.
    void WriteFields(JsonWriter& w) const;
  };
  Result<MadeBackup> TakeBackup(Tenant* t);
  // Backups made and failed per tenant since the server started (/metrics).
  struct BackupCounts {
    uint64_t made = 0;
    uint64_t failed = 0;
  };
  void PostBackup(const Request& r, const Params& p, Responder respond);
  void PostAllBackups(const Request& r, const Params& p, Responder respond);
  void GetBackups(const Request& r, const Params& p, Responder respond);
  void RenderBackupMetrics(const std::vector<Tenant*>& all, std::string* out) const;

  // Accounts and sessions (api_auth.cc).
  void AddAuthRoutes();
  void PostStaff(const Request& r, const Params& p, Responder respond);
  void PutStaffPassword(const Request& r, const Params& p, Responder respond);
  void PostSession(const Request& r, const Params& p, Responder respond);
  void DeleteSession(const Request& r, const Params& p, Responder respond);
  void PostPasswordReset(const Request& r, const Params& p, Responder respond);
  void PutPasswordReset(const Request& r, const Params& p, Responder respond);
  void PutEmailChange(const Request& r, const Params& p, Responder respond);
  void GetOutbox(const Request& r, const Params& p, Responder respond);
  void GetLoginLocks(const Request& r, const Params& p, Responder respond);

  // Members and configuration (api_members.cc).
  void AddMemberRoutes();
  void PutMemberType(const Request& r, const Params& p, Responder respond);
  void GetMemberTypes(const Request& r, const Params& p, Responder respond);
  void PutFeeSchedule(const Request& r, const Params& p, Responder respond);
  void GetFeeSchedule(const Request& r, const Params& p, Responder respond);
  void PostMember(const Request& r, const Params& p, Responder respond);
  void GetMember(const Request& r, const Params& p, Responder respond);
  void ListMembers(const Request& r, const Params& p, Responder respond);
  void ListDirectory(const Request& r, const Params& p, Responder respond);
  void PatchMember(const Request& r, const Params& p, Responder respond);
  void PostStatusChange(const Request& r, const Params& p, Responder respond);
  void PostBulkStatusChange(const Request& r, const Params& p, Responder respond);
  void PostMemberTypeChange(const Request& r, const Params& p, Responder respond);
  void PostMemberNumbers(const Request& r, const Params& p, Responder respond);
  void GetMemberHistory(const Request& r, const Params& p, Responder respond);
  void PostMemberImport(const Request& r, const Params& p, Responder respond);

  // Billing and payments (api_billing.cc).
  void AddBillingRoutes();
  void PostMemberAdjustment(const Request& r, const Params& p, Responder respond);
  void PostInvoiceBatch(const Request& r, const Params& p, Responder respond);
  void PostBatchConfirm(const Request& r, const Params& p, Responder respond);
  void PostBatchCancel(const Request& r, const Params& p, Responder respond);
  void GetInvoiceBatches(const Request& r, const Params& p, Responder respond);
  void GetInvoice(const Request& r, const Params& p, Responder respond);
  void GetMemberInvoices(const Request& r, const Params& p, Responder respond);
  void PatchInvoice(const Request& r, const Params& p, Responder respond);
  void PostInvoiceAdjustment(const Request& r, const Params& p, Responder respond);
  void PostInvoiceCancel(const Request& r, const Params& p, Responder respond);
  void PostInvoiceCancellations(const Request& r, const Params& p, Responder respond);
  void PostPayment(const Request& r, const Params& p, Responder respond);
  void GetPayment(const Request& r, const Params& p, Responder respond);
  void ListPayments(const Request& r, const Params& p, Responder respond);
  void PostPaymentReversal(const Request& r, const Params& p, Responder respond);
  void PostPaymentReallocation(const Request& r, const Params& p, Responder respond);
  void PostCreditApplication(const Request& r, const Params& p, Responder respond);
  void PostReceipt(const Request& r, const Params& p, Responder respond);

  // Read models (api_reads.cc).
  void AddReadRoutes();
  void GetArrears(const Request& r, const Params& p, Responder respond);
  void GetFiscalYearSummary(const Request& r, const Params& p, Responder respond);
  void GetMemberLedger(const Request& r, const Params& p, Responder respond);
  void GetTrialBalance(const Request& r, const Params& p, Responder respond);
  void GetTrialBalanceCsv(const Request& r, const Params& p, Responder respond);
  void AnswerTrialBalance(const Request& r, const Params& p, Responder respond, bool csv);
  void GetMemberBillingCsv(const Request& r, const Params& p, Responder respond);

  TenantRegistry* tenants_;
  ApiOptions options_;
  events::Hash admin_token_hash_{};  // of options_.admin_token: hashed once, compared per request
  Router router_;
  mutable RequestMetrics metrics_;
  SessionTable sessions_;
  LoginThrottle throttle_;
  WorkerPool hashers_{2, 1000};
  WorkerPool backups_{1, 4};  // one copy at a time: each flushes and links a tenant's log
  std::atomic<bool> stopping_{false};  // BeginShutdown: no backup begins
  mutable std::mutex backup_counts_mu_;
  std::map<std::string, BackupCounts, std::less<>> backup_counts_;
};

// Reads ?name= as a non-negative integer no greater than max; nullopt if absent. Sets *error on
// a malformed value.
std::optional<uint64_t> QueryUint(const Request& r, std::string_view name, uint64_t max,
                                  Status* error);
// The ?limit= of a list page: 1..1000, 100 when absent. Sets *error otherwise (a page of 0 has
// no last item to continue after).
size_t QueryPageLimit(const Request& r, Status* error);

}  // namespace kaiin::http
