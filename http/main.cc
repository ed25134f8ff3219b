// kaiind: the kaiin server.
//
//   kaiind --data-dir DIR --listen HOST:PORT [--admin-token-file FILE] [--threads N]
//          [--public-url URL]   (the front end's address, for the links in sent mail)
//          [--projection-bulk-min N]  (rebuild projections from 0 in bulk from N events; 50000)
//          [--projection-gather-us N]  (the projector may wait N µs to gather a batch; 2000)
//          [--projector-nice N]  (the projector thread's nice value; 10, 0 to keep the process's)
//          [--snapshot-every N]  (snapshot the write model every N events; 1000000, 0: at stop)
//          [--snapshot-quiet-ms N]  (... at the first moment without commits for N ms; 1000)
//          [--snapshot-in-child 0|1]  (encode those snapshots in a forked child; 1)
//
// The admin token comes from --admin-token-file, else KAIIN_ADMIN_TOKEN, else DIR/admin-token
// (generated with mode 0600 on first start). The token itself is never logged. SIGTERM and SIGINT
// stop the server cleanly: it stops accepting, answers queued commands once they are durable,
// checkpoints the projections, saves each write model as a snapshot and closes the stores.
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "events/hash.h"
#include "http/api.h"
#include "http/log_sink.h"
#include "http/server.h"
#include "http/tenant_registry.h"

// jemalloc's options, read at its start when kaiind is linked with it (not under the
// sanitizers): freed pages go back to the system from a background thread. Without it jemalloc
// purges only while the process allocates, so a server gone quiet kept what its busy moments
// had freed (ten tenants after their imports: 199 MiB resident, 90 MiB with it;
// docs/benchmarks.md, "Many tenants in one process").
extern "C" {
const char* malloc_conf = "background_thread:true";
}

namespace {

struct Flags {
  std::string data_dir;
  std::string backup_dir;  // empty: DATA_DIR/backups
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string admin_token_file;
  std::string public_url;  // where the links in sent mail point
  int threads = 2;
  kaiin::http::TenantOptions tenant;  // the --projection-* and --snapshot-* flags; else defaults
  // What all tenants' stores share (ledger/storage_memory.h): one memtable budget, one cache.
  size_t memtable_mib = 128;
  size_t block_cache_mib = 128;
  kaiin::http::TrustedProxies trusted_proxies;  // none: X-Forwarded-For is not read
};

int Usage() {
  std::fprintf(stderr,
               "usage: kaiind --data-dir DIR --listen HOST:PORT [--admin-token-file FILE] "
               "[--backup-dir DIR] "
               "[--threads N] [--public-url URL] [--projection-bulk-min N] "
               "[--projection-gather-us N] [--projector-nice N] [--snapshot-every N] "
               "[--snapshot-quiet-ms N] [--snapshot-in-child 0|1] [--memtable-mib N] "
               "[--block-cache-mib N] [--trusted-proxies ADDR[/BITS],...]\n");
  return 2;
}

bool ParseListen(const std::string& s, Flags* f) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  f->host = s.substr(0, colon);
  const int port = std::atoi(s.c_str() + colon + 1);
  if (port < 0 || port > 65535) return false;
  f->port = static_cast<uint16_t>(port);
  return !f->host.empty();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = Trim(ss.str());
  return true;
}

// Loads or creates the admin token; logs where it came from, never the token.
bool LoadAdminToken(const Flags& f, std::string* token) {
  if (!f.admin_token_file.empty()) {
    if (!ReadFile(f.admin_token_file, token) || token->empty()) {
      spdlog::error("cannot read the admin token file {}", f.admin_token_file);
      return false;
    }
    spdlog::info("admin token read from {}", f.admin_token_file);
    return true;
  }
  if (const char* env = std::getenv("KAIIN_ADMIN_TOKEN"); env && *env) {
    *token = env;
    spdlog::info("admin token taken from KAIIN_ADMIN_TOKEN");
    return true;
  }
  const std::string path = f.data_dir + "/admin-token";
  if (ReadFile(path, token) && !token->empty()) {
    spdlog::info("admin token read from {}", path);
    return true;
  }
  std::string raw(32, '\0');
  randombytes_buf(raw.data(), raw.size());
  *token = kaiin::events::BytesToHex(raw);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    spdlog::error("cannot create {}", path);
    return false;
  }
  const std::string line = *token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return false;
  spdlog::info("generated an admin token and wrote it to {} (mode 0600)", path);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string value = argv[++i];
    if (arg == "--data-dir") {
      flags.data_dir = value;
    } else if (arg == "--listen") {
      if (!ParseListen(value, &flags)) return Usage();
    } else if (arg == "--backup-dir") {
      flags.backup_dir = value;
    } else if (arg == "--admin-token-file") {
      flags.admin_token_file = value;
    } else if (arg == "--public-url") {
      flags.public_url = value;
    } else if (arg == "--threads") {
      flags.threads = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--projection-bulk-min") {
      flags.tenant.projection_bulk_events_min = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--projection-gather-us") {
      flags.tenant.projection_gather_delay =
          std::chrono::microseconds(std::strtoull(value.c_str(), nullptr, 10));
    } else if (arg == "--projector-nice") {
      flags.tenant.projector_nice = std::atoi(value.c_str());
    } else if (arg == "--snapshot-every") {
      flags.tenant.snapshot_every_events = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--snapshot-quiet-ms") {
      flags.tenant.snapshot_quiet =
          std::chrono::milliseconds(std::strtoull(value.c_str(), nullptr, 10));
    } else if (arg == "--snapshot-in-child") {
      if (value != "0" && value != "1") return Usage();
      flags.tenant.snapshot_in_child = value == "1";
    } else if (arg == "--trusted-proxies") {
      kaiin::Result<kaiin::http::TrustedProxies> proxies =
          kaiin::http::TrustedProxies::Parse(value);
      if (!proxies.ok()) {
        std::fprintf(stderr, "--trusted-proxies: %s\n", proxies.status().message().c_str());
        return 2;
      }
      flags.trusted_proxies = *std::move(proxies);
    } else if (arg == "--memtable-mib") {
      flags.memtable_mib = std::strtoull(value.c_str(), nullptr, 10);  // 0: each store its own
    } else if (arg == "--block-cache-mib") {
      flags.block_cache_mib = std::strtoull(value.c_str(), nullptr, 10);  // 0: each family its own
    } else {
      return Usage();
    }
  }
  if (flags.data_dir.empty()) return Usage();
  if (sodium_init() < 0) return 1;

  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // After the mask: the flusher thread must not take the stop signals either.
  auto logger = std::make_shared<spdlog::logger>(
      "kaiind", std::make_shared<kaiin::http::WholeLineSink>(STDOUT_FILENO));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));

  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir + "/tenants", ec);
  if (ec) {
    spdlog::error("cannot create the data folder {}: {}", flags.data_dir, ec.message());
    return 1;
  }
  kaiin::http::ApiOptions api_options;
  if (!LoadAdminToken(flags, &api_options.admin_token)) return 1;
  const std::string base = !flags.public_url.empty()
                               ? flags.public_url
                               : "http://" + flags.host + ":" + std::to_string(flags.port);
  api_options.backup_dir =
      flags.backup_dir.empty() ? flags.data_dir + "/backups" : flags.backup_dir;
  api_options.trusted_proxies = flags.trusted_proxies;
  api_options.reset_link_base = base + "/reset-password";
  api_options.email_change_link_base = base + "/confirm-email";

  flags.tenant.memory = kaiin::ledger::StorageMemory::Shared(flags.memtable_mib << 20,
                                                             flags.block_cache_mib << 20);
  kaiin::http::TenantRegistry tenants(flags.data_dir, flags.tenant);
  if (kaiin::Status s = tenants.OpenAll(); !s.ok()) {
    spdlog::error("cannot open the tenants: {}", s.ToString());
    return 1;
  }
  spdlog::info("opened {} tenant(s) under {}", tenants.All().size(), flags.data_dir);
  kaiin::http::Api api(&tenants, api_options);
  kaiin::http::ServerOptions server_options;
  server_options.host = flags.host;
  server_options.port = flags.port;
  server_options.threads = flags.threads;
  kaiin::http::Server server(server_options, [&api](const kaiin::http::Request& r,
                                                    kaiin::http::Responder respond) {
    api.Handle(r, std::move(respond));
  });
  if (kaiin::Status s = server.Start(); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  spdlog::info("kaiind listening on {}:{}", flags.host, server.port());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {}: shutting down", sig);
  server.Stop();       // no new requests
  api.Shutdown();      // password work under way finishes (it may still submit commands)
  tenants.CloseAll();  // commands answered once durable, snapshots saved, projections checkpointed
  spdlog::info("stopped cleanly");
  spdlog::shutdown();  // flushes
  return 0;
}
