// Output shared by client commands: aligned tables for people, JSON (the
// protobuf messages, snake_case field names) for scripts.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "core/clock.h"

namespace baton::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::size_t size() const { return rows_.size(); }
  // Columns padded to their widest cell; the last column is not padded.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

std::string to_json(const google::protobuf::Message& m);

// Sorted indices as "1-3,5,7-9".
std::string compress(const std::vector<std::uint32_t>& sorted);

TimeMs wall_now();

}  // namespace baton::cli
