// Fuzzes wire::decode, the function the broker (RouterSocket::recv) and the
// workers and clients (DealerSocket::recv) run on every message off the wire:
// the untrusted signature frame and body frame become a pb::Envelope.
//
// Input: byte 0 is the signature frame's length (mod 16), then that many
// signature bytes, then the body frame. A real message is "\x04" "BTN1" <Envelope>.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "transport/frame.h"

namespace {

// Map fields serialize in hash order; compare the deterministic form.
std::string canonical(const baton::pb::Envelope& env) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    env.SerializeToCodedStream(&cos);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every string field that is not UTF-8; that is slow and noisy here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t sig_len = std::min<std::size_t>(data[0] % 16, size - 1);
  const std::string_view sig(reinterpret_cast<const char*>(data + 1), sig_len);
  const std::string_view body(reinterpret_cast<const char*>(data + 1 + sig_len), size - 1 - sig_len);

  auto env = baton::wire::decode(sig, body);
  if (!env) {
    (void)env.error().size();
    return 0;
  }
  (void)baton::wire::body_name(*env);  // every received message is logged by name
  // What decode accepted must survive a round trip: the broker journals specs
  // and forwards them to workers in this same encoding.
  const std::string again = baton::wire::encode(*env);
  auto back = baton::wire::decode(baton::wire::kSignature, again);
  if (!back || back->body_case() != env->body_case() || canonical(*back) != canonical(*env)) std::abort();
  return 0;
}
