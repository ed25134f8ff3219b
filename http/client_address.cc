#include "http/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace kaiin::http {
namespace {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

// An address as a proxy writes it: IPv4, IPv6, either with a port ("192.0.2.1:4711",
// "[2001:db8::1]:4711"), IPv6 in brackets without one.
std::optional<TrustedProxies::Bytes> TrustedProxies::ParseAddress(std::string_view text) {
  text = TrimBlanks(text);
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    text = text.substr(1, close - 1);
  } else if (const size_t colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos) {
    text = text.substr(0, colon);  // IPv4 with a port
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string z(text);  // inet_pton wants a terminated string
  Bytes a{};
  if (text.find(':') == std::string_view::npos) {
    std::copy(std::begin(kMappedPrefix), std::end(kMappedPrefix), a.begin());
    if (inet_pton(AF_INET, z.c_str(), a.data() + 12) != 1) return std::nullopt;
  } else if (inet_pton(AF_INET6, z.c_str(), a.data()) != 1) {
    return std::nullopt;
  }
  return a;
}

std::string TrustedProxies::Format(const Bytes& a) {
  char out[INET6_ADDRSTRLEN];
  const bool v4 = std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), a.begin());
  if (v4) return inet_ntop(AF_INET, a.data() + 12, out, sizeof(out));
  return inet_ntop(AF_INET6, a.data(), out, sizeof(out));
}

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies t;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view entry = TrimBlanks(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    const size_t slash = entry.find('/');
    const std::string_view host = entry.substr(0, slash);
    // Only a bare address names a network: no brackets, no port (one colon).
    std::optional<Bytes> a;
    if (host.find_first_of("[]") == std::string_view::npos && std::ranges::count(host, ':') != 1) {
      a = ParseAddress(host);
    }
    const bool v4 = a && std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), a->begin());
    int bits = v4 ? 32 : 128;
    if (a && slash != std::string_view::npos) {
      const std::string_view b = entry.substr(slash + 1);
      const auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
      if (b.empty() || ec != std::errc() || end != b.data() + b.size() || bits < 0 ||
          bits > (v4 ? 32 : 128)) {
        a.reset();
      }
    }
    if (!a) {
      return Status::InvalidArgument("validation_failed",
                                     "not an address or network: " + std::string(entry));
    }
    if (v4) bits += 96;
    t.nets_.push_back({*a, bits});
  }
  return t;
}

bool TrustedProxies::Contains(const Bytes& a) const {
  for (const Net& n : nets_) {
    const int whole = n.bits / 8, rest = n.bits % 8;
    if (!std::equal(a.begin(), a.begin() + whole, n.address.begin())) continue;
    const uint8_t mask = static_cast<uint8_t>(0xff00 >> rest);
    if (rest == 0 || (a[whole] & mask) == (n.address[whole] & mask)) return true;
  }
  return false;
}

bool TrustedProxies::Contains(std::string_view address) const {
  const std::optional<Bytes> a = ParseAddress(address);
  return a && Contains(*a);
}

std::string TrustedProxies::ClientAddress(std::string_view peer,
                                          std::string_view forwarded_for) const {
  std::optional<Bytes> hop = ParseAddress(peer);
  if (!hop) return std::string(peer);
  while (Contains(*hop) && !forwarded_for.empty()) {
    const size_t comma = forwarded_for.rfind(',');
    const std::string_view entry =
        comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    if (TrimBlanks(entry).empty()) continue;  // "a, , b": an empty element of the list
    const std::optional<Bytes> sender = ParseAddress(entry);
    if (!sender) break;
    hop = sender;
  }
  return Format(*hop);
}

}  // namespace kaiin::http
