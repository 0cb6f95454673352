#include "core/resources.h"

#include <cctype>
#include <charconv>

namespace baton {

bool Resources::fits_in(const Resources& a) const {
  if (cpus > a.cpus || mem_mb > a.mem_mb || gpus > a.gpus) return false;
  for (const auto& [name, n] : named) {
    if (n == 0) continue;
    auto it = a.named.find(name);
    if (it == a.named.end() || it->second < n) return false;
  }
  return true;
}

bool Resources::fits_beside(const Resources& used, const Resources& cap) const {
  if (cpus + used.cpus > cap.cpus || mem_mb + used.mem_mb > cap.mem_mb || gpus + used.gpus > cap.gpus) return false;
  for (const auto& [name, n] : named) {
    if (n == 0) continue;
    auto c = cap.named.find(name);
    if (c == cap.named.end()) return false;
    auto u = used.named.find(name);
    if (n + (u == used.named.end() ? 0 : u->second) > c->second) return false;
  }
  return true;
}

Resources& Resources::operator+=(const Resources& o) {
  cpus += o.cpus;
  mem_mb += o.mem_mb;
  gpus += o.gpus;
  for (const auto& [name, n] : o.named) named[name] += n;
  return *this;
}

Resources& Resources::operator-=(const Resources& o) {
  cpus -= std::min(cpus, o.cpus);
  mem_mb -= std::min(mem_mb, o.mem_mb);
  gpus -= std::min(gpus, o.gpus);
  for (const auto& [name, n] : o.named) {
    auto it = named.find(name);
    if (it != named.end()) it->second -= std::min(it->second, n);
  }
  return *this;
}

std::string Resources::describe() const {
  std::string s = std::to_string(cpus) + (cpus == 1 ? " cpu" : " cpus");
  if (mem_mb) s += ", " + format_mem_mb(mem_mb) + " mem";
  if (gpus) s += ", " + std::to_string(gpus) + (gpus == 1 ? " gpu" : " gpus");
  for (const auto& [name, n] : named) s += ", " + name + "=" + std::to_string(n);
  return s;
}

Resources Resources::from_proto(const pb::Resources& p) {
  Resources r;
  r.cpus = p.cpus();
  r.mem_mb = p.mem_mb();
  r.gpus = p.gpus();
  for (const auto& [k, v] : p.named()) r.named[k] = v;
  return r;
}

void Resources::to_proto(pb::Resources* p) const {
  p->set_cpus(cpus);
  p->set_mem_mb(mem_mb);
  p->set_gpus(gpus);
  p->clear_named();
  for (const auto& [k, v] : named) (*p->mutable_named())[k] = v;
}

Resources requested(const pb::JobSpec& spec) {
  Resources r = Resources::from_proto(spec.resources());
  if (r.cpus == 0) r.cpus = 1;
  return r;
}

bool parse_mem_mb(const std::string& text, std::uint64_t& out) {
  if (text.empty()) return false;
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return false;
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + i, n);
  if (ec != std::errc()) return false;
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit == "B") unit = "";
  if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  if (unit.empty() || unit == "M") out = n;
  else if (unit == "K") out = (n + 1023) / 1024;
  else if (unit == "G") out = n * 1024;
  else if (unit == "T") out = n * 1024 * 1024;
  else return false;
  return true;
}

std::string format_mem_mb(std::uint64_t mb) {
  if (mb >= 1024 * 1024 && mb % (1024 * 1024) == 0) return std::to_string(mb / (1024 * 1024)) + "T";
  if (mb >= 1024 && mb % 1024 == 0) return std::to_string(mb / 1024) + "G";
  return std::to_string(mb) + "M";
}

}  // namespace baton
