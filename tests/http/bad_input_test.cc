// The bad-input suite over a real socket (issue 7): malformed and truncated JSON, wrong types,
// huge numbers, negative and zero amounts, impossible dates, unknown enums, invalid UTF-8,
// oversized bodies and headers, as-of cuts that are not dates or positions, and a slow client.
// Every answer is a 4xx problem+json, the log's head does not move, and the server keeps serving.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "http/server.h"
#include "tests/http/billing_api_fixture.h"
#include "tests/http/test_client.h"

namespace kaiin::http {
namespace {

constexpr char kPayment[] =
    R"({"member_id":"m000000001","amount":15000,"method":"bank_transfer","received_on":"2026-05-01","allocation":"oldest_first"})";

class BadInput : public BillingApi {
 protected:
  void SetUp() override {
    BillingApi::SetUp();
    invoice_ = Bill(taro_, 2026);
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.request_body_bytes_max = 64 << 10;
    o.request_header_bytes_max = 8 << 10;
    o.read_timeout = std::chrono::seconds(1);
    server_ = std::make_unique<Server>(o, [this](const Request& r, Responder respond) {
      api_->Handle(r, std::move(respond));
    });
    ASSERT_TRUE(server_->Start().ok());
    head_ = Head("soc");
  }
  void TearDown() override {
    EXPECT_EQ(Head("soc"), head_) << "a refused request wrote to the log";
    ExpectServing();
    server_->Stop();
    api_->Shutdown();
    tenants_.CloseAll();
    server_.reset();
    BillingApi::TearDown();
  }

  // Sends raw bytes on a new connection and expects a 4xx problem+json answer.
  void ExpectRefused(const std::string& raw, int want_status, const std::string& what) {
    Client c(server_->port());
    ASSERT_TRUE(c.connected());
    c.Send(raw);
    std::string body, head;
    const int status = c.Read(&body, &head);
    EXPECT_EQ(status, want_status) << what << "\n" << body;
    EXPECT_NE(head.find("Content-Type: application/problem+json"), std::string::npos) << what;
    EXPECT_NE(body.find("\"status\":" + std::to_string(want_status)), std::string::npos) << what;
  }
  void ExpectRefusedBody(const std::string& method, const std::string& path,
                         const std::string& body, const std::string& what, int want = 400) {
    ExpectRefused(RawRequest(method, "/v1/tenants/soc" + path, body,
                             {{"Authorization", std::string("Bearer ") + kAdminToken},
                              {"Idempotency-Key", "bad-" + std::to_string(++keys_)}}),
                  want, what);
  }
  void ExpectServing() {
    Client c(server_->port());
    c.Send(RawRequest("GET", "/v1/tenants/soc/members/" + taro_,  "",
                      {{"Authorization", std::string("Bearer ") + kAdminToken}}));
    std::string body;
    EXPECT_EQ(c.Read(&body), 200) << body;
  }

  std::unique_ptr<Server> server_;
  std::string invoice_;
  uint64_t head_ = 0;
  int keys_ = 0;
};

TEST_F(BadInput, EveryTruncationOfAPaymentIsMalformedJson) {
  const std::string body = kPayment;
  for (size_t n = 0; n < body.size(); ++n) {
    ExpectRefusedBody("POST", "/payments", body.substr(0, n), "prefix " + std::to_string(n));
  }
  ExpectRefusedBody("POST", "/payments", body + "{}", "trailing content");
  ExpectRefusedBody("POST", "/payments", "[" + body + "]", "an array");
  ExpectRefusedBody("POST", "/payments", "null", "null");
}

TEST_F(BadInput, WrongTypesAndHugeNumbers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("amount":15000)", R"("amount":"15000")"},
      {R"("amount":15000)", R"("amount":15000.0)"},
      {R"("amount":15000)", R"("amount":1.5e4)"},
      {R"("amount":15000)", R"("amount":true)"},
      {R"("amount":15000)", R"("amount":null)"},
      {R"("amount":15000)", R"("amount":99999999999999999999999)"},
      {R"("amount":15000)", R"("amount":9223372036854775807)"},
      {R"("amount":15000)", R"("amount":-9223372036854775808)"},
      {R"("amount":15000)", R"("amount":1000000001)"},
      {R"("member_id":"m000000001")", R"("member_id":1)"},
      {R"("received_on":"2026-05-01")", R"("received_on":20260501)"},
      {R"("allocation":"oldest_first")", R"("allocation":["oldest_first"])"},
  };
  for (const auto& [from, to] : cases) {
    std::string body = kPayment;
    body.replace(body.find(from), from.size(), to);
    ExpectRefusedBody("POST", "/payments", body, to);
  }
}

TEST_F(BadInput, NegativeAndZeroAmounts) {
  for (const char* amount : {"0", "-1", "-15000"}) {
    std::string body = kPayment;
    body.replace(body.find("15000"), 5, amount);
    ExpectRefusedBody("POST", "/payments", body, std::string("payment of ") + amount);
  }
  ExpectRefusedBody("PUT", "/fee-schedules/2027", R"({"fees":{"regular":-1}})", "negative fee");
  // (A member adjustment of 0 is allowed: it clears the adjustment. An invoice's is not.)
  ExpectRefusedBody("POST", "/invoices/" + invoice_ + "/adjustments",
                    R"({"amount":0,"reason":"x"})", "zero invoice adjustment");
  ExpectRefusedBody("POST", "/invoices/" + invoice_ + "/adjustments",
                    R"({"amount":-15001,"reason":"x"})", "an adjustment below zero due", 409);
}

TEST_F(BadInput, ImpossibleDatesAndUnknownEnums) {
  for (const std::string& date : std::vector<std::string>{"2023-02-30", "2026-13-01", "2026-00-10", "2026-5-1",
                                 "2026/05/01", "", "20260501", "2026-05-01T00:00:00"}) {
    std::string body = kPayment;
    body.replace(body.find("2026-05-01"), 10, date);
    ExpectRefusedBody("POST", "/payments", body, "received_on " + date);
  }
  std::string body = kPayment;
  body.replace(body.find("bank_transfer"), 13, "bitcoin");
  ExpectRefusedBody("POST", "/payments", body, "method bitcoin");
  body = kPayment;
  body.replace(body.find("oldest_first"), 12, "newest_first");
  ExpectRefusedBody("POST", "/payments", body, "allocation newest_first");
  ExpectRefusedBody("POST", "/members/" + taro_ + "/status-changes",
                    R"({"status":"zombie","effective_date":"2026-05-01"})", "status zombie");
  ExpectRefusedBody("POST", "/members/" + taro_ + "/status-changes",
                    R"({"status":"withdrawn","effective_date":"2026-02-29"})", "2026-02-29");
  ExpectRefusedBody("POST", "/invoice-batches",
                    R"({"fiscal_year":2026,"category":"lifetime","title":"x","issue_date":"2026-04-01","due_date":"2026-06-30"})",
                    "category lifetime");
  ExpectRefusedBody("POST", "/payments",
                    R"({"member_id":"m000000001","amount":15000,"method":"bank_transfer","received_on":"2026-05-01","allocation":"oldest_first","extra":1})",
                    "an unknown field");
}

TEST_F(BadInput, AsOfCutsThatAreNotDatesOrPositionsAreRefused) {
  for (const std::string& path :
       {std::string("/trial-balance"), std::string("/exports/trial-balance.csv"),
        "/members/" + taro_ + "/ledger"}) {
    for (const char* query : {"as_of=2023-02-30", "as_of=2026-5-1", "as_of=", "as_of=%FF%FE",
                              "as_of_position=-1", "as_of_position=1.5", "as_of_position=",
                              "as_of_position=18446744073709551616", "as_of_position=0x10"}) {
      ExpectRefused(RawRequest("GET", "/v1/tenants/soc" + path + "?" + query, "",
                               {{"Authorization", std::string("Bearer ") + kAdminToken}}),
                    400, path + "?" + query);
    }
  }
}

TEST_F(BadInput, InvalidUtf8) {
  const std::string prefix =
      R"({"email":"jiro@example.jp","member_type":"regular","applied_on":"2026-04-01","name":{"family":")";
  const std::string suffix = R"(","given":"次郎"}})";
  for (const std::string& bad : {std::string("\xff\xfe"), std::string("\xc0\xaf"),
                                std::string("\xe3\x81"), std::string("\xed\xa0\x80"),
                                std::string("\xf4\x90\x80\x80")}) {
    ExpectRefusedBody("POST", "/members", prefix + bad + suffix, "invalid UTF-8");
  }
  ExpectRefusedBody("POST", "/members", prefix + R"(\ud800)" + suffix, "a lone surrogate");
  ExpectRefusedBody("POST", "/members", prefix + std::string("a\0b", 3) + suffix, "a NUL byte");
}

TEST_F(BadInput, OversizedBodiesAndHeadersAndMalformedRequests) {
  const std::string huge = std::string(R"({"member_id":")") + std::string(70 << 10, 'x') + "\"}";
  ExpectRefusedBody("POST", "/payments", huge, "a 70 KiB body", 413);
  ExpectRefused("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n",
                431, "9 KB of headers");
  ExpectRefused("POST /v1/tenants/soc/payments HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                400, "a negative Content-Length");
  ExpectRefused("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                "a bad chunk size");
  ExpectRefused("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 HTTP/1.1\r\n\r\n", 400,
                "a TLS hello on the plain port");
}

// A receipt takes no body but `{}`; one for an invoice not paid in full, or for none, is refused.
TEST_F(BadInput, ReceiptsWithABodyOrForAnInvoiceNotPaidAreRefused) {
  const std::string path = "/invoices/" + invoice_ + "/receipts";
  for (const std::string body : {"{", "[]", "null", "\"{}\"", R"({"copy":2})", "{}{}"}) {
    ExpectRefusedBody("POST", path, body, "receipt body " + body);
  }
  ExpectRefusedBody("POST", path, "", "an unpaid invoice", 409);
  ExpectRefusedBody("POST", "/invoices/i999999999/receipts", "{}", "no such invoice", 404);
}

// Found by fuzz/command_fuzz.cc: a page of limit=0 read the item before the first (out of
// bounds) to make its next cursor. Every list page refuses 0.
TEST_F(BadInput, ListPagesRefuseALimitOfZero) {
  for (const std::string path : {"/invoice-batches", "/outbox", "/arrears", "/members"}) {
    ExpectRefused(RawRequest("GET", "/v1/tenants/soc" + path + "?limit=0", "",
                             {{"Authorization", std::string("Bearer ") + kAdminToken}}),
                  400, path + "?limit=0");
  }
}

// Found by fuzz/command_fuzz.cc: an outbox cursor without a number ("msgX") made the outbox
// reader throw through the HTTP thread, which would have ended kaiind.
TEST_F(BadInput, MalformedCursorsAreRefused) {
  for (const std::string cursor : {"msgX", "msg", "msg99999999999999999999999", "msg-1", "msg1x"}) {
    ExpectRefused(RawRequest("GET", "/v1/tenants/soc/outbox?cursor=" + cursor, "",
                             {{"Authorization", std::string("Bearer ") + kAdminToken}}),
                  400, "outbox cursor " + cursor);
  }
}

// Found by fuzz/command_fuzz.cc: a min_position beyond the log's head (a position never given
// out) waited 2 s and answered 503. Refused at once; a number past 64 bits is malformed.
TEST_F(BadInput, AMinPositionBeyondTheHeadIsRefusedAtOnce) {
  const std::string auth = std::string("Bearer ") + kAdminToken;
  for (const std::string& position : {std::to_string(Head("soc") + 1), std::string("7173733806442603405"),
                                     std::string("000000000000000000000000007173733806442603405"),
                                     std::string("18446744073709551615")}) {
    ExpectRefused(RawRequest("GET", "/v1/tenants/soc/members/" + taro_ + "?min_position=" + position,
                             "", {{"Authorization", auth}}),
                  400, "min_position=" + position);
  }
  ExpectRefused(RawRequest("GET", "/v1/tenants/soc/arrears?min_position=18446744073709551616", "",
                           {{"Authorization", auth}}),
                400, "min_position past 64 bits");
  Client c(server_->port());
  c.Send(RawRequest("GET", "/v1/tenants/soc/members/" + taro_ + "?min_position=" + std::to_string(Head("soc")),
                    "", {{"Authorization", auth}}));
  std::string body;
  EXPECT_EQ(c.Read(&body), 200) << body;  // the head itself is fine
}

// A client that sends its headers a byte at a time is cut off at the read deadline, and the
// server serves others meanwhile.
TEST_F(BadInput, ASlowClientIsCutOffAndOthersAreServed) {
  Client slow(server_->port());
  ASSERT_TRUE(slow.connected());
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " +
                              std::string(200, 'a') + "\r\n\r\n";
  bool cut_off = false;
  for (size_t i = 0; i < request.size(); ++i) {
    if (!slow.Send(request.substr(i, 1))) {
      cut_off = true;
      break;
    }
    if (i % 10 == 0) ExpectServing();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // 200 bytes: 10 s, deadline 1 s
  }
  std::string body;
  EXPECT_TRUE(cut_off || slow.Read(&body) == -1) << "the slow client was answered: " << body;
}

}  // namespace
}  // namespace kaiin::http
