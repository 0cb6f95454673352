// `baton keygen`, and turning [security] settings into CURVE settings for
// clients, workers and the broker.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cmd/context.h"
#include "cmd/security.h"

namespace baton::cli {

Result<std::optional<wire::ClientCurve>> client_curve(const Settings& s) {
  const std::string key = s.str("security.key"), broker = s.str("security.broker_key");
  if (key.empty() && broker.empty()) return std::optional<wire::ClientCurve>();
  if (key.empty())
    return Status::error("security.broker_key is set but security.key is not: make a key with `baton keygen` and set "
                         "security.key to its secret file");
  if (broker.empty())
    return Status::error("security.key is set but security.broker_key is not: set it to the broker's public key");
  auto own = wire::load_secret_key(key);
  if (!own) return Status::error("security.key: " + own.error());
  auto server = wire::load_public_key(broker);
  if (!server) return Status::error("security.broker_key: " + server.error());
  return std::optional<wire::ClientCurve>(wire::ClientCurve{*server, *own});
}

Result<BrokerSecurity> broker_security(const Settings& s) {
  BrokerSecurity sec;
  const std::string key = s.str("security.key");
  const bool tcp = s.str("broker.clients").rfind("tcp://", 0) == 0 || s.str("broker.workers").rfind("tcp://", 0) == 0;
  if (key.empty()) {
    if (tcp && !s.boolean("security.insecure"))
      return Status::error(
          "the broker listens on TCP without keys: anyone who can reach the port could run programs on every "
          "worker. Set security.key (make one with `baton keygen`) with security.authorized_workers and "
          "security.authorized_clients, or, on a trusted network only, security.insecure = true");
    sec.insecure_tcp = tcp;
    return sec;
  }
  auto own = wire::load_secret_key(key);
  if (!own) return Status::error("security.key: " + own.error());
  sec.keys = *own;
  for (const std::string& w : s.list("security.authorized_workers")) {
    auto k = wire::load_public_key(w);
    if (!k) return Status::error("security.authorized_workers: " + k.error());
    sec.workers.insert(*k);
  }
  for (const std::string& entry : s.list("security.authorized_clients")) {
    std::istringstream in(entry);
    const std::vector<std::string> words{std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
    if (words.size() < 2 || words.size() > 3 || (words.size() == 3 && words[2] != "admin"))
      return Status::error("security.authorized_clients: expected 'USER KEY' or 'USER KEY admin', got '" + entry + "'");
    auto k = wire::load_public_key(words[1]);
    if (!k) return Status::error("security.authorized_clients: user " + words[0] + ": " + k.error());
    sec.clients[*k] = (words.size() == 3 ? "admin:" : "user:") + words[0];
  }
  return sec;
}

namespace {

struct KeygenFlags {
  std::string out = ".", name = "baton";
  bool print_secret = false, force = false;
};

Status write_file(const std::string& path, const std::string& text, mode_t mode, bool force) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), mode);
  if (fd < 0)
    return Status::error("cannot write " + path + ": " + std::strerror(errno) +
                         (errno == EEXIST ? " (use --force to replace it)" : ""));
  fchmod(fd, mode);  // an existing file keeps its mode otherwise
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok ? Status::ok() : Status::error("cannot write " + path);
}

// mkdir -p: the directories it creates get mode 0700 (a key directory is
// private, as ssh-keygen users expect); existing ones are left as they are.
Status make_key_dir(const std::string& dir) {
  std::string path;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (path.empty() || mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return Status::error("cannot create " + path + ": " + std::strerror(errno));
  }
  struct stat st{};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return Status::error(dir + " is not a directory");
  return Status::ok();
}

int run_keygen(Context& ctx, const KeygenFlags& f) {
  auto pair = wire::generate_keypair();
  if (!pair) return ctx.fail(kRefused, pair.error());
  if (auto s = make_key_dir(f.out); !s) return ctx.fail(kRefused, s.message());
  const std::string base = f.out + "/" + f.name;
  if (auto s = write_file(base + ".secret",
                          "# baton CURVE secret key: keep it private (mode 0600); set security.key to this file\n" +
                              pair->secret_z85 + "\n",
                          0600, f.force);
      !s)
    return ctx.fail(kRefused, s.message());
  if (auto s = write_file(base + ".pub", "# baton CURVE public key\n" + pair->public_z85 + "\n", 0644, f.force); !s)
    return ctx.fail(kRefused, s.message());
  if (ctx.verbosity >= 0)
    std::cerr << "wrote " << base << ".secret (secret, mode 0600) and " << base << ".pub; the public key is:\n";
  std::cout << pair->public_z85 << "\n";
  if (f.print_secret) std::cout << pair->secret_z85 << "\n";
  return kOk;
}

}  // namespace

Runner install_keygen(CLI::App& sub, Context&) {
  auto f = std::make_shared<KeygenFlags>();
  sub.add_option("-o,--out", f->out, "Directory to write NAME.secret and NAME.pub in, created 0700 if missing (default: .)");
  sub.add_option("-n,--name", f->name, "Base name of the key files (default: baton)");
  sub.add_flag("--print-secret", f->print_secret, "Also print the secret key (it is never printed otherwise)");
  sub.add_flag("--force", f->force, "Replace existing key files");
  sub.footer("Prints the public key. Give it to the broker's admin: workers go in security.authorized_workers,\n"
             "users in security.authorized_clients as 'USER KEY'. Point security.key at NAME.secret.");
  return [f](Context& ctx) { return run_keygen(ctx, *f); };
}

}  // namespace baton::cli
