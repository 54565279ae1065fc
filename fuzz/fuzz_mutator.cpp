#include "fuzz_mutator.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace pyrace::fuzz {

Layout layout_of(const uint8_t* data, size_t size) {
  size_t nobjs = size >= 2 ? 1 + data[1] % kMaxObjects : 1;
  size_t end = std::min(size, kHeader + nobjs * kObjRecord);
  return {end, size > end ? (size - end) / kOpRecord : 0};
}

namespace {
using Op = std::array<uint8_t, kOpRecord>;

std::vector<Op> ops_of(const uint8_t* data, const Layout& l) {
  std::vector<Op> ops(l.ops);
  for (size_t i = 0; i < l.ops; ++i) std::memcpy(ops[i].data(), data + l.objects_end + i * kOpRecord, kOpRecord);
  return ops;
}

size_t write(uint8_t* out, size_t max_size, const uint8_t* head, size_t head_len, const std::vector<Op>& ops) {
  size_t n = std::min(head_len, max_size);
  std::memmove(out, head, n);
  for (const Op& op : ops) {
    if (n + kOpRecord > max_size) break;
    std::memcpy(out + n, op.data(), kOpRecord);
    n += kOpRecord;
  }
  return n;
}
}  // namespace

size_t mutate_program(uint8_t* data, size_t size, size_t max_size, std::minstd_rand& rng) {
  std::vector<uint8_t> head;
  if (size < kHeader + kObjRecord) {  // too short to be a program: make the smallest one
    head = {static_cast<uint8_t>(rng()), 0, static_cast<uint8_t>(rng()), 0, 0};
    std::vector<Op> ops{{0, 0, static_cast<uint8_t>(rng()), 0, 0}, {1, 0, static_cast<uint8_t>(rng()), 0, 0}};
    return write(data, max_size, head.data(), head.size(), ops);
  }
  Layout l = layout_of(data, size);
  head.assign(data, data + l.objects_end);
  std::vector<Op> ops = ops_of(data, l);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  Op fresh{static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()),
           static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng())};
  switch (ops.empty() ? 0 : rng() % 8) {
    case 0:  // a new operation somewhere
      if (ops.size() < kMaxOps) ops.insert(ops.begin() + static_cast<long>(pick(ops.size() + 1)), fresh);
      break;
    case 1:  // drop one
      ops.erase(ops.begin() + static_cast<long>(pick(ops.size())));
      break;
    case 2: {  // the same operation in another thread: the shape of most races
      Op copy = ops[pick(ops.size())];
      copy[0] = static_cast<uint8_t>((copy[0] & 0x80) | ((copy[0] & 0x7F) + 1 + rng() % 3));
      if (ops.size() < kMaxOps) ops.insert(ops.begin() + static_cast<long>(pick(ops.size() + 1)), copy);
      break;
    }
    case 3:  // move one to another thread
      ops[pick(ops.size())][0] = static_cast<uint8_t>(rng());
      break;
    case 4:  // another method on the same object
      ops[pick(ops.size())][2] = static_cast<uint8_t>(rng());
      break;
    case 5:  // other arguments
      ops[pick(ops.size())][3 + rng() % 2] = static_cast<uint8_t>(rng());
      break;
    case 6:  // swap two (another interleaving of the same program)
      std::swap(ops[pick(ops.size())], ops[pick(ops.size())]);
      break;
    default: {  // another kind of object, thread count, lock mode or number of objects
      head[rng() % head.size()] = static_cast<uint8_t>(rng());
      // A new object count adds or drops object records, so the operations stay aligned.
      size_t objects = 1 + head[1] % kMaxObjects;
      while (head.size() < kHeader + objects * kObjRecord) head.push_back(static_cast<uint8_t>(rng()));
      head.resize(kHeader + objects * kObjRecord);
      break;
    }
  }
  return write(data, max_size, head.data(), head.size(), ops);
}

size_t cross_over(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out, size_t max_out,
                  std::minstd_rand& rng) {
  Layout l1 = layout_of(d1, s1), l2 = layout_of(d2, s2);
  std::vector<Op> a = ops_of(d1, l1), b = ops_of(d2, l2), ops;
  size_t i = 0, j = 0;
  while ((i < a.size() || j < b.size()) && ops.size() < kMaxOps) {
    bool from_a = j >= b.size() || (i < a.size() && rng() % 2 == 0);
    ops.push_back(from_a ? a[i++] : b[j++]);
  }
  return write(out, max_out, d1, l1.objects_end, ops);
}

}  // namespace pyrace::fuzz
