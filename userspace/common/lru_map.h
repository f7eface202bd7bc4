// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// A hash map bounded to a capacity, whose entries are also linked in order of use: the one
// least-recently-used structure behind every bound in userspace (tracked flows, report rows, risk
// pairs). Entries live in the hash map's nodes (stable addresses) and the list is intrusive, so an
// entry costs its key, its value and three pointers. Eviction is the caller's: it checks full(),
// acts on oldest() (decide a flow, count a row) and erases it, so nothing is dropped unseen.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <unordered_map>
#include <utility>

namespace protoport {

template <typename Key, typename Value, typename Hash = std::hash<Key>,
          typename Equal = std::equal_to<Key>>
class LruMap {
 public:
  // One entry: its value, its key (the map's own copy) and its neighbours in order of use.
  class Slot {
   public:
    Value value{};
    const Key& key() const { return *key_; }
    Slot* newer() const { return newer_; }  // towards newest(); nullptr at the newest

   private:
    friend class LruMap;
    Slot* newer_ = nullptr;
    Slot* older_ = nullptr;
    const Key* key_ = nullptr;
  };

  explicit LruMap(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}
  // The list points into the nodes of this map: copying would point into the other's.
  LruMap(const LruMap&) = delete;
  LruMap& operator=(const LruMap&) = delete;
  LruMap(LruMap&& other) noexcept
      : capacity_(other.capacity_),
        map_(std::move(other.map_)),
        newest_(std::exchange(other.newest_, nullptr)),
        oldest_(std::exchange(other.oldest_, nullptr)) {
    other.map_.clear();
  }
  LruMap& operator=(LruMap&&) = delete;

  std::size_t size() const { return map_.size(); }
  std::size_t capacity() const { return capacity_; }
  bool full() const { return map_.size() >= capacity_; }
  void reserve(std::size_t n) { map_.reserve(n); }

  // The entry of `key`, or nullptr. Does not change the order.
  Slot* find(const Key& key) {
    const auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  // Marks the entry as the most recently used.
  void touch(Slot& s) {
    if (&s == newest_) return;
    unlink(s);
    link_newest(s);
  }
  // Adds `key`, which must be absent, as the most recently used entry with a default value.
  // Grows past capacity() if the caller did not make room first (see full()).
  Slot& insert(const Key& key) {
    auto [it, inserted] = map_.try_emplace(key);
    Slot& s = it->second;
    s.key_ = &it->first;
    link_newest(s);
    return s;
  }
  void erase(Slot& s) {
    unlink(s);
    const Key key = *s.key_;  // erase() must not be handed a reference into the node it frees
    map_.erase(key);
  }

  Slot* oldest() const { return oldest_; }  // least recently used: evicted first
  Slot* newest() const { return newest_; }

 private:
  void link_newest(Slot& s) {
    s.older_ = newest_;
    s.newer_ = nullptr;
    if (newest_) newest_->newer_ = &s;
    newest_ = &s;
    if (!oldest_) oldest_ = &s;
  }
  void unlink(Slot& s) {
    (s.newer_ ? s.newer_->older_ : newest_) = s.older_;
    (s.older_ ? s.older_->newer_ : oldest_) = s.newer_;
    s.newer_ = s.older_ = nullptr;
  }

  std::size_t capacity_;
  std::unordered_map<Key, Slot, Hash, Equal> map_;
  Slot* newest_ = nullptr;
  Slot* oldest_ = nullptr;
};

}  // namespace protoport
