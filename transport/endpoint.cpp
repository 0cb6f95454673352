#include "transport/endpoint.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace baton::wire {

Result<std::string> runtime_dir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  std::string dir = (xdg && *xdg) ? std::string(xdg) + "/baton" : "/tmp/baton-" + std::to_string(getuid());
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::error("cannot create " + dir + ": " + std::strerror(errno));
  struct stat st{};
  if (lstat(dir.c_str(), &st) != 0) return Status::error("cannot stat " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 0077) != 0)
    return Status::error(dir + " must be a directory owned by you with mode 0700");
  return dir;
}

std::string default_client_endpoint() {
  auto dir = runtime_dir();
  return "ipc://" + (dir ? *dir : std::string("/tmp")) + "/clients.sock";
}

std::string default_worker_endpoint() {
  auto dir = runtime_dir();
  return "ipc://" + (dir ? *dir : std::string("/tmp")) + "/workers.sock";
}

std::string connectable(const std::string& ep) {
  const std::string star = "tcp://*:";
  if (ep.rfind(star, 0) == 0) return "tcp://127.0.0.1:" + ep.substr(star.size());
  const std::string any = "tcp://0.0.0.0:";
  if (ep.rfind(any, 0) == 0) return "tcp://127.0.0.1:" + ep.substr(any.size());
  return ep;
}

Status check_endpoint(const std::string& ep) {
  auto bad = [&](const std::string& why) {
    return Status::error("bad endpoint '" + ep + "': " + why + " (expected tcp://HOST:PORT or ipc://PATH)");
  };
  if (ep.rfind("ipc://", 0) == 0) {
    if (ep.size() == 6) return bad("empty path");
    // A Unix socket path must fit in sockaddr_un.sun_path with its NUL.
    if (ep.size() - 6 >= sizeof(sockaddr_un{}.sun_path))
      return bad("the path is longer than the " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                 " bytes a Unix socket allows");
    return Status::ok();
  }
  if (ep.rfind("inproc://", 0) == 0) return ep.size() > 9 ? Status::ok() : bad("empty name");
  if (ep.rfind("tcp://", 0) != 0) return bad("unknown transport");
  const auto colon = ep.rfind(':');
  if (colon <= 6 || colon + 1 >= ep.size()) return bad("missing port");
  const std::string port = ep.substr(colon + 1);
  if (port != "*" && port.find_first_not_of("0123456789") != std::string::npos) return bad("port must be a number");
  return Status::ok();
}

}  // namespace baton::wire
