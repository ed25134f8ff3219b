// The Beast server over a real loopback socket: keep-alive, limits, malformed requests.
#include "http/server.h"

#include <gtest/gtest.h>

#include "tests/http/api_fixture.h"
#include "tests/http/test_client.h"

namespace kaiin::http {
namespace {

class ServerTest : public ApiFixture {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.request_body_bytes_max = 4096;
    o.request_header_bytes_max = 2048;
    server_ = std::make_unique<Server>(o, [this](const Request& r, Responder respond) {
      api_->Handle(r, std::move(respond));
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  // As kaiind shuts down: stop the server, finish the tenants' work (whose answers hold
  // sessions), and only then let the server go.
  void TearDown() override {
    server_->Stop();
    api_->Shutdown();
    tenants_.CloseAll();
    server_.reset();
  }

  std::string Put(const std::string& body, size_t content_length) {
    return "PUT /v1/tenants/jsnm HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
           std::string(kAdminToken) + "\r\nContent-Length: " + std::to_string(content_length) +
           "\r\n\r\n" + body;
  }

  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  const std::string body = R"({"name":"Society"})";
  c.Send(Put(body, body.size()));
  std::string got, head;
  EXPECT_EQ(c.Read(&got, &head), 201) << got;
  EXPECT_NE(head.find("Content-Type: application/json"), std::string::npos);
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.Read(&got), 200);
  EXPECT_EQ(got, R"({"status":"ok"})");
}

TEST_F(ServerTest, AnOversizedBodyIs413AndWritesNothing) {
  Client c(server_->port());
  const std::string body = R"({"name":"Society"})";
  c.Send(Put(body, body.size()));
  std::string got, head;
  ASSERT_EQ(c.Read(&got), 201);
  const uint64_t before = Head("jsnm");

  Client big(server_->port());
  const std::string huge = "{\"name\":\"" + std::string(10000, 'x') + "\"}";
  big.Send(Put(huge, huge.size()));
  EXPECT_EQ(big.Read(&got, &head), 413);
  EXPECT_NE(head.find("application/problem+json"), std::string::npos);
  EXPECT_NE(got.find("\"code\":\"body_too_large\""), std::string::npos);
  EXPECT_EQ(Head("jsnm"), before);
  // The server still serves.
  Client after(server_->port());
  after.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(after.Read(&got), 200);
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  Client c(server_->port());
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(5000, 'a') + "\r\n\r\n");
  std::string got;
  EXPECT_EQ(c.Read(&got), 431);
  EXPECT_NE(got.find("headers_too_large"), std::string::npos);
}

TEST_F(ServerTest, AMalformedRequestIs400ProblemJson) {
  Client c(server_->port());
  c.Send("BLAH\x01 / HTTP/1.1\r\n\r\n");
  std::string got;
  EXPECT_EQ(c.Read(&got), 400);
  EXPECT_NE(got.find("\"code\":\"bad_request\""), std::string::npos);
}

TEST_F(ServerTest, TheCsvExportIsStreamedInChunks) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", R"({"name":"S"})").status, 201);
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm/member-types/regular", R"({"name":"正会員"})").status, 201);
  std::string members;
  for (int i = 0; i < 1200; ++i) {  // more than one chunk of members
    members += std::string(i ? "," : "") + R"({"email":"m)" + std::to_string(i) +
               R"(@example.jp","member_type":"regular","applied_on":"2020-04-01","name":{"family":"会員"}})";
  }
  ASSERT_EQ(Call("POST", "/v1/tenants/jsnm/member-imports", R"({"members":[)" + members + "]}").status, 201);
  Client c(server_->port());
  c.Send("GET /v1/tenants/jsnm/exports/member-billing.csv?min_position=" + std::to_string(Head("jsnm")) +
         " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kAdminToken) +
         "\r\nConnection: close\r\n\r\n");
  const std::string raw = c.ReadAll();
  EXPECT_NE(raw.find("Transfer-Encoding: chunked"), std::string::npos) << raw.substr(0, 300);
  EXPECT_NE(raw.find("text/csv; charset=utf-8"), std::string::npos);
  EXPECT_NE(raw.find("\xEF\xBB\xBFmember_id,member_number"), std::string::npos);
  EXPECT_NE(raw.find("m000001200,,会員,"), std::string::npos);  // the last member made it
  EXPECT_TRUE(raw.ends_with("\r\n0\r\n\r\n")) << raw.substr(raw.size() - 20);
}

// A streamed answer that fails half-way ends without its last chunk: the connection is closed
// inside the body, so the client cannot take what it got for the whole file.
TEST(StreamedAnswer, AReadFailingHalfWayClosesTheConnectionWithoutTheLastChunk) {
  ServerOptions o;
  o.port = 0;
  Server server(o, [](const Request&, Responder respond) {
    Response res;
    res.content_type = "text/csv";
    res.body = "head\r\n";
    auto calls = std::make_shared<int>(0);
    res.stream = [calls](std::string* chunk) {
      if (++*calls == 1) {
        *chunk = "row 1\r\n";
        return Response::Chunk::kMore;
      }
      if (*calls == 2) {
        *chunk = "row 2, never sent\r\n";
        return Response::Chunk::kFailed;
      }
      return Response::Chunk::kLast;  // not called again after a failure
    };
    respond(std::move(res));
  });
  ASSERT_TRUE(server.Start().ok());
  Client c(server.port());
  c.Send("GET /export HTTP/1.1\r\nHost: x\r\n\r\n");  // keep-alive: only a failure closes
  const std::string raw = c.ReadAll();
  EXPECT_NE(raw.find("Transfer-Encoding: chunked"), std::string::npos) << raw;
  EXPECT_NE(raw.find("row 1"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("row 2"), std::string::npos) << raw;
  EXPECT_FALSE(raw.ends_with("\r\n0\r\n\r\n")) << raw;
  server.Stop();
}

// On the wire a 304 is its status line and fields alone: no body, and no Content-Length or
// Content-Type to say otherwise; the connection then serves the next request.
TEST_F(ServerTest, A304HasNoBodyAndKeepsTheConnection) {
  ASSERT_EQ(Call("PUT", "/v1/tenants/jsnm", R"({"name":"S"})").status, 201);
  const Response first = Call("GET", "/v1/tenants/jsnm/trial-balance");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string etag = Header(first, "ETag").value_or("");
  ASSERT_FALSE(etag.empty());
  const std::string get =
      "GET /v1/tenants/jsnm/trial-balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
      std::string(kAdminToken) + "\r\nIf-None-Match: ";
  Client c(server_->port());
  c.Send(get + etag + "\r\n\r\n");
  std::string body, head;
  ASSERT_EQ(c.Read(&body, &head), 304) << head;
  EXPECT_EQ(body, "");
  EXPECT_NE(head.find("ETag: " + etag), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Type"), std::string::npos) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  c.Send(get + "\"0\"\r\n\r\n");  // the same connection; another tag
  ASSERT_EQ(c.Read(&body, &head), 200) << head;
  EXPECT_EQ(body, first.body);
  EXPECT_NE(head.find("Content-Length: " + std::to_string(first.body.size())), std::string::npos);
}

TEST_F(ServerTest, MalformedJsonOverTheWireIs400AndWritesNothing) {
  Client c(server_->port());
  const std::string body = R"({"name":"Soc)";
  c.Send(Put(body, body.size()));
  std::string got;
  EXPECT_EQ(c.Read(&got), 400);
  EXPECT_NE(got.find("malformed_json"), std::string::npos);
  EXPECT_EQ(tenants_.Find("jsnm"), nullptr);
}

}  // namespace
}  // namespace kaiin::http
