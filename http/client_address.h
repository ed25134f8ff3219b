// Who a request came from, when kaiind sits behind reverse proxies (TLS is left to one): the
// proxies it is told to trust (kaiind --trusted-proxies) say who their client was in
// X-Forwarded-For, and nobody else is believed. Login throttling counts failures per client
// address (docs/security.md); behind a proxy without this, every client has the proxy's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"

namespace kaiin::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts nobody: the peer is the client

  // A comma-separated list of addresses and networks, IPv4 or IPv6: "127.0.0.1,10.0.0.0/8,
  // fd00::/8". InvalidArgument names the first entry that is not one (an empty list is none).
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return nets_.empty(); }
  bool Contains(std::string_view address) const;

  // The client's address in one canonical form (IPv4 dotted, IPv6 as inet_ntop writes it, an
  // IPv4-mapped IPv6 peer as IPv4): `peer` when it is not a trusted proxy. Otherwise the
  // X-Forwarded-For entries (`forwarded_for`: the header's lines joined by commas, in order) are
  // read from the right, each added by the hop after it: the first one that is not a trusted
  // proxy is the client, as what lies left of it was written by the client itself and proves
  // nothing. An entry that is not an address ends the walk at the trusted hop that passed it on;
  // all of them trusted: the leftmost. `peer` is returned as given when it is not an address
  // (empty: the request did not come from a socket).
  std::string ClientAddress(std::string_view peer, std::string_view forwarded_for) const;

 private:
  using Bytes = std::array<uint8_t, 16>;  // IPv6; IPv4 as ::ffff:a.b.c.d
  struct Net {
    Bytes address;
    int bits;  // prefix length over the 128 bits
  };
  static std::optional<Bytes> ParseAddress(std::string_view text);
  static std::string Format(const Bytes& a);
  bool Contains(const Bytes& a) const;

  std::vector<Net> nets_;
};

}  // namespace kaiin::http
