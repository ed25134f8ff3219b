#include "http/member_import.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "events/date.h"
#include "events/json_writer.h"
#include "events/text.h"
#include "http/csv.h"
#include "http/text_encoding.h"

namespace kaiin::http {
namespace {

const std::set<std::string>& KnownColumns() {
  static const std::set<std::string> kColumns = {
      "email",       "member_type", "applied_on", "family",       "given",
      "family_kana", "given_kana",  "romaji",     "postal_code",  "prefecture",
      "city",        "line1",       "line2",      "country",      "affiliation",
      "admitted_on", "member_number"};
  return kColumns;
}

void WriteMember(const std::map<std::string, std::string>& v, JsonWriter& w) {
  auto get = [&v](const char* k) -> std::string {
    auto it = v.find(k);
    return it == v.end() ? std::string() : it->second;
  };
  w.BeginObject();
  w.Field("email", get("email")).Field("member_type", get("member_type"));
  w.Field("applied_on", get("applied_on"));
  w.Key("name").BeginObject();
  for (const char* k : {"family", "given", "family_kana", "given_kana", "romaji"}) {
    w.Field(k, get(k));
  }
  w.EndObject();
  bool has_address = false;
  for (const char* k : {"postal_code", "prefecture", "city", "line1", "line2", "country"}) {
    has_address = has_address || !get(k).empty();
  }
  if (has_address) {
    w.Key("address").BeginObject();
    for (const char* k : {"postal_code", "prefecture", "city", "line1", "line2", "country"}) {
      w.Field(k, get(k));
    }
    w.EndObject();
  }
  if (!get("affiliation").empty()) w.Field("affiliation", get("affiliation"));
  if (!get("admitted_on").empty()) w.Field("admitted_on", get("admitted_on"));
  if (!get("member_number").empty()) w.Field("member_number", get("member_number"));
  w.EndObject();
}

// A blocking HTTP/1.1 client over one keep-alive connection (enough for the import).
class Connection {
 public:
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  Status Open(const std::string& host, uint16_t port) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) {
      return Status::Unavailable("connect_failed", "cannot resolve " + host);
    }
    fd_ = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    const bool ok = fd_ >= 0 && connect(fd_, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    if (!ok) return Status::Unavailable("connect_failed", "cannot connect to " + host);
    timeval tv{120, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return Status::Ok();
  }
  // Sends the request and reads the response status and body.
  Status Send(const std::string& request, int* status, std::string* body) {
    for (size_t off = 0; off < request.size();) {
      const ssize_t n = send(fd_, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return Status::Unavailable("send_failed", "the connection was closed");
      off += static_cast<size_t>(n);
    }
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return Status::Unavailable("recv_failed", "no answer");
    }
    const std::string head = buffer_.substr(0, header_end);
    size_t length = 0;
    for (size_t at = 0; (at = head.find('\n', at)) != std::string::npos;) {
      ++at;
      if (head.compare(at, 15, "Content-Length:") == 0 || head.compare(at, 15, "content-length:") == 0) {
        length = std::stoul(head.substr(at + 15));
      }
    }
    while (buffer_.size() < header_end + 4 + length) {
      if (!Fill()) return Status::Unavailable("recv_failed", "a truncated answer");
    }
    *status = std::stoi(head.substr(9, 3));
    *body = buffer_.substr(header_end + 4, length);
    buffer_.erase(0, header_end + 4 + length);
    return Status::Ok();
  }

 private:
  bool Fill() {
    char tmp[65536];
    const ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buffer_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace

Result<std::string> RosterText(std::string bytes, std::string_view encoding, std::string* used) {
  if (encoding != "auto" && encoding != "utf-8" && encoding != "cp932") {
    return Status::InvalidArgument("bad_encoding", "the encoding is auto, utf-8 or cp932");
  }
  const size_t utf8 = encoding == "cp932" ? 0 : Utf8Prefix(bytes);
  if (encoding != "cp932" && utf8 == bytes.size()) {
    *used = "utf-8";
    return bytes;
  }
  if (encoding == "utf-8") {
    return Status::InvalidArgument("not_utf8", TextPosition(bytes, utf8) + ": not UTF-8");
  }
  *used = "cp932";
  return Cp932ToUtf8(bytes);
}

Result<std::vector<std::string>> MemberImportBodies(std::string_view csv, size_t batch_members) {
  auto rows = ParseCsv(csv);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::InvalidArgument("malformed_csv", "the file has no header row");
  const std::vector<std::string>& header = rows->front();
  std::vector<FieldError> errors;
  for (const std::string& c : header) {
    if (!KnownColumns().contains(c)) errors.push_back({"column " + c, "is not a known column"});
  }
  for (const char* required : {"email", "member_type", "applied_on", "family"}) {
    if (std::find(header.begin(), header.end(), required) == header.end()) {
      errors.push_back({std::string("column ") + required, "is required"});
    }
  }
  for (size_t i = 1; i < rows->size() && errors.size() < 100; ++i) {
    if ((*rows)[i].size() != header.size()) {
      errors.push_back({"row " + std::to_string(i + 1), "has " + std::to_string((*rows)[i].size()) +
                                                           " fields, the header " +
                                                           std::to_string(header.size())});
    }
  }
  if (!errors.empty()) {
    return Status::InvalidArgument("malformed_csv", "the roster cannot be imported",
                                   std::move(errors));
  }
  std::vector<std::string> bodies;
  for (size_t start = 1; start < rows->size(); start += batch_members) {
    JsonWriter w;
    w.BeginObject().Key("members").BeginArray();
    for (size_t i = start; i < std::min(rows->size(), start + batch_members); ++i) {
      std::map<std::string, std::string> values;
      for (size_t c = 0; c < header.size(); ++c) values[header[c]] = (*rows)[i][c];
      WriteMember(values, w);
    }
    w.EndArray().EndObject();
    bodies.push_back(w.Take());
  }
  return bodies;
}

Status PostMemberImports(const ImportTarget& target, const std::vector<std::string>& bodies,
                         const std::string& key_prefix, ImportReport* report) {
  Connection conn;
  if (Status s = conn.Open(target.host, target.port); !s.ok()) return s;
  for (size_t i = 0; i < bodies.size(); ++i) {
    const std::string request =
        "POST /v1/tenants/" + target.tenant + "/member-imports HTTP/1.1\r\nHost: " + target.host +
        "\r\nAuthorization: Bearer " + target.token + "\r\nContent-Type: application/json" +
        "\r\nIdempotency-Key: " + key_prefix + "-" + std::to_string(i) +
        "\r\nContent-Length: " + std::to_string(bodies[i].size()) + "\r\n\r\n" + bodies[i];
    int status = 0;
    std::string body;
    if (Status s = conn.Send(request, &status, &body); !s.ok()) return s;
    ++report->batches_sent;
    if (status != 201) {
      report->error = body;
      return Status::FailedPrecondition("import_refused", "batch " + std::to_string(i) +
                                                              " was refused with " +
                                                              std::to_string(status));
    }
    // The answer lists the new member ids: {"member_ids":["m…",…],"position":N}.
    const size_t open = body.find('['), close = body.find(']');
    size_t quotes = 0;
    for (size_t at = open; open != std::string::npos && at < close; ++at) quotes += body[at] == '"';
    report->members_imported += quotes / 2;
  }
  return Status::Ok();
}

}  // namespace kaiin::http
