// kaiinctl: the secretariat's command-line tool.
//
//   kaiinctl import-members --tenant T --csv FILE [--url http://127.0.0.1:8080]
//                           [--token-file FILE | KAIIN_TOKEN] [--encoding auto|utf-8|cp932]
//
// Loads a member roster (CSV, see docs/members.md; UTF-8, or CP932 as a Japanese Excel saves
// "CSV": by default whichever the file is) in batches of 2000 through
// POST {T}/member-imports. Each batch is all or nothing and carries an Idempotency-Key derived
// from the file's content, so running the same import again after an interruption skips what
// was already imported.
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "events/hash.h"
#include "http/member_import.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: kaiinctl import-members --tenant T --csv FILE [--url http://HOST:PORT] "
               "[--token-file FILE] [--encoding auto|utf-8|cp932]\n");
  return 2;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool ParseUrl(std::string url, kaiin::http::ImportTarget* t) {
  if (url.starts_with("http://")) url = url.substr(7);
  if (!url.empty() && url.back() == '/') url.pop_back();
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos) {
    t->host = url;
    t->port = 80;
  } else {
    t->host = url.substr(0, colon);
    t->port = static_cast<uint16_t>(std::atoi(url.c_str() + colon + 1));
  }
  return !t->host.empty() && t->port != 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  if (argc < 2 || std::string(argv[1]) != "import-members") return Usage();
  kaiin::http::ImportTarget target;
  std::string csv_path, token_file, url = "http://127.0.0.1:8080", encoding = "auto";
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--tenant") {
      target.tenant = v;
    } else if (a == "--csv") {
      csv_path = v;
    } else if (a == "--url") {
      url = v;
    } else if (a == "--token-file") {
      token_file = v;
    } else if (a == "--encoding") {
      encoding = v;
    } else {
      return Usage();
    }
  }
  if (target.tenant.empty() || csv_path.empty() || !ParseUrl(url, &target)) return Usage();
  if (!token_file.empty()) {
    if (!ReadFile(token_file, &target.token)) {
      std::fprintf(stderr, "cannot read %s\n", token_file.c_str());
      return 2;
    }
    while (!target.token.empty() && (target.token.back() == '\n' || target.token.back() == '\r')) {
      target.token.pop_back();
    }
  } else if (const char* env = std::getenv("KAIIN_TOKEN")) {
    target.token = env;
  }
  std::string csv;
  if (!ReadFile(csv_path, &csv)) {
    std::fprintf(stderr, "cannot read %s\n", csv_path.c_str());
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  std::string used;
  auto text = kaiin::http::RosterText(csv, encoding, &used);
  if (!text.ok()) {
    std::fprintf(stderr, "%s: %s\n", csv_path.c_str(), text.status().ToString().c_str());
    return 1;
  }
  if (used == "cp932") std::printf("%s read as CP932 (Shift_JIS)\n", csv_path.c_str());
  auto bodies = kaiin::http::MemberImportBodies(*text, 2000);
  if (!bodies.ok()) {
    std::fprintf(stderr, "%s\n", bodies.status().ToString().c_str());
    for (const auto& e : bodies.status().field_errors()) {
      std::fprintf(stderr, "  %s: %s\n", e.field.c_str(), e.message.c_str());
    }
    return 1;
  }
  const std::string key = "csv-" + kaiin::events::HashToHex(kaiin::events::Sha256(csv)).substr(0, 32);
  kaiin::http::ImportReport report;
  kaiin::Status s = kaiin::http::PostMemberImports(target, *bodies, key, &report);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu members imported in %zu batches, %.2f s\n", report.members_imported,
              report.batches_sent, seconds);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n%s\n", s.ToString().c_str(), report.error.c_str());
    std::fprintf(stderr, "batch N holds CSV rows N*2000+2 .. N*2000+2001; members[i] is row "
                         "N*2000+i+2\n");
    return 1;
  }
  return 0;
}
