// Who a request came from behind reverse proxies (http/client_address.h, docs/security.md).
#include "http/client_address.h"

#include <gtest/gtest.h>

namespace kaiin::http {
namespace {

TrustedProxies Trust(std::string_view list) {
  Result<TrustedProxies> t = TrustedProxies::Parse(list);
  EXPECT_TRUE(t.ok()) << list << ": " << t.status().ToString();
  return t.ok() ? *t : TrustedProxies();
}

TEST(TrustedProxiesTest, ListsOfAddressesAndNetworks) {
  const TrustedProxies t = Trust(" 127.0.0.1, 10.0.0.0/8 ,fd00::/8,::1,192.168.1.128/25,");
  EXPECT_TRUE(t.Contains("127.0.0.1"));
  EXPECT_FALSE(t.Contains("127.0.0.2"));
  EXPECT_TRUE(t.Contains("10.255.1.2"));
  EXPECT_FALSE(t.Contains("11.0.0.1"));
  EXPECT_TRUE(t.Contains("192.168.1.200"));  // the prefix ends inside a byte
  EXPECT_FALSE(t.Contains("192.168.1.127"));
  EXPECT_TRUE(t.Contains("fd12:3456::1"));
  EXPECT_FALSE(t.Contains("fe80::1"));
  EXPECT_TRUE(t.Contains("::1"));
  EXPECT_TRUE(t.Contains("::ffff:10.1.2.3"));  // IPv4 as an IPv6 socket reports it
  EXPECT_FALSE(t.Contains("not an address"));
  EXPECT_TRUE(Trust("0.0.0.0/0").Contains("203.0.113.9"));
  EXPECT_FALSE(Trust("0.0.0.0/0").Contains("2001:db8::1"));
  EXPECT_TRUE(Trust("").empty());
}

TEST(TrustedProxiesTest, AnEntryThatIsNotAnAddressOrNetworkIsRefusedByName) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.1/", "10.0.0.1/8x", "::/129", "10.0.0.256",
                          "proxy.example.jp", "10.0.0.1:8080", "[::1]", "1,2", "10.0.0.0/-1"}) {
    Result<TrustedProxies> t = TrustedProxies::Parse(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find("not an address or network"), std::string::npos);
  }
}

TEST(TrustedProxiesTest, TrustingNobodyTheClientIsThePeerWhateverTheHeaderSays) {
  const TrustedProxies none;
  EXPECT_EQ(none.ClientAddress("198.51.100.7", "203.0.113.1"), "198.51.100.7");
  EXPECT_EQ(none.ClientAddress("::ffff:198.51.100.7", ""), "198.51.100.7");
  EXPECT_EQ(none.ClientAddress("2001:DB8:0:0::1", ""), "2001:db8::1");  // one form, one key
  EXPECT_EQ(none.ClientAddress("", "203.0.113.1"), "");                 // not from a socket
}

TEST(TrustedProxiesTest, TheClientIsTheRightmostAddressNoTrustedProxyWrote) {
  const TrustedProxies t = Trust("127.0.0.1,10.0.0.0/8");
  // The proxy appended the address it saw; what the client wrote before it is not believed.
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "1.1.1.1, 203.0.113.7"), "203.0.113.7");
  // Two trusted hops: the inner one's entry is passed.
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "6.6.6.6,203.0.113.7, 10.0.0.5"), "203.0.113.7");
  // A peer that is not a trusted proxy: its header proves nothing.
  EXPECT_EQ(t.ClientAddress("198.51.100.2", "203.0.113.7"), "198.51.100.2");
  // Every hop trusted: the leftmost; no header at all: the proxy itself.
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "10.0.0.9,10.0.0.5"), "10.0.0.9");
  EXPECT_EQ(t.ClientAddress("127.0.0.1", ""), "127.0.0.1");
  // Garbage passed on by a trusted hop: the walk ends at that hop.
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "203.0.113.7,unknown,10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "203.0.113.7,unknown"), "127.0.0.1");
  // Empty elements of the list are skipped; ports and brackets are read.
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "203.0.113.7, ,"), "203.0.113.7");
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "203.0.113.7:51234"), "203.0.113.7");
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "[2001:DB8::7]:443"), "2001:db8::7");
  EXPECT_EQ(t.ClientAddress("127.0.0.1", "2001:db8::7"), "2001:db8::7");
  EXPECT_EQ(t.ClientAddress("::ffff:127.0.0.1", "203.0.113.7"), "203.0.113.7");
}

}  // namespace
}  // namespace kaiin::http
