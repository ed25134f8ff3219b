// The HTTP API as plain functions: Api::Handle takes a Request and answers through a Responder.
// No sockets here (server.cc does I/O); tests call Handle directly.
#pragma once

#include <chrono>
#include <string>

#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/tenant_registry.h"

namespace kaiin::http {

struct ApiOptions {
  std::string admin_token;                              // platform admin's bearer token
  std::chrono::milliseconds min_position_wait{2000};    // how long ?min_position= may wait
  size_t events_page_max = 1000;                        // GET {T}/events limit
};

class Api {
 public:
  Api(TenantRegistry* tenants, ApiOptions options);

  // Routes, authorizes and answers the request; records metrics. Thread-safe.
  void Handle(const Request& request, Responder respond);

  // The Prometheus text of /metrics.
  std::string RenderMetrics() const;

 private:
  void AddRoutes();
  bool IsAdmin(const Request& r) const;
  // Answers 401/403 and returns false unless the request carries the admin token.
  bool RequireAdmin(const Request& r, Responder& respond) const;
  // Resolves {tenant}; answers 404 and returns nullptr when it does not exist.
  Tenant* RequireTenant(const Params& p, Responder& respond) const;
  // Runs a projection query once the tenant's projections reach ?min_position (bounded wait).
  void Query(Tenant* t, const Request& r, Responder respond, std::function<Response()> run);

  void PutTenant(const Request& r, const Params& p, Responder respond);
  void GetTenant(const Request& r, const Params& p, Responder respond);
  void GetEvents(const Request& r, const Params& p, Responder respond);
  void GetEventCounts(const Request& r, const Params& p, Responder respond);
  void RebuildProjection(const Request& r, const Params& p, Responder respond);

  TenantRegistry* tenants_;
  ApiOptions options_;
  Router router_;
  mutable RequestMetrics metrics_;
};

// Reads ?name= as a non-negative integer no greater than max; nullopt if absent. Sets *error on
// a malformed value.
std::optional<uint64_t> QueryUint(const Request& r, std::string_view name, uint64_t max,
                                  Status* error);

}  // namespace kaiin::http
