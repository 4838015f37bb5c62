#pragma once
// A value that copies holding the same contents share, copied only when one of them is edited.
// Pools hold their monitor settings this way: the settings take about 400 bytes, and 100,000
// pools with three distinct monitors then hold three copies instead of 100,000.
#include <memory>
#include <utility>

namespace pharos::conf {

template <typename T>
class CopyOnWrite {
  public:
    CopyOnWrite() : value_(defaults()) {}
    explicit CopyOnWrite(T value) : value_(std::make_shared<T>(std::move(value))) {}

    const T& operator*() const { return *value_; }
    const T* operator->() const { return value_.get(); }
    // This holder's own copy, to change. Only while the value is being built (one thread):
    // a built configuration is shared between threads and never edited.
    T& edit() {
        if (value_.use_count() > 1) {
            value_ = std::make_shared<T>(*value_);
        }
        return *value_;
    }
    friend bool operator==(const CopyOnWrite& a, const CopyOnWrite& b) {
        return a.value_ == b.value_ || *a.value_ == *b.value_;
    }

  private:
    // Shared by every default-constructed holder; its own reference keeps edit() copying.
    static const std::shared_ptr<T>& defaults() {
        static const std::shared_ptr<T> value = std::make_shared<T>();
        return value;
    }
    std::shared_ptr<T> value_;
};

}  // namespace pharos::conf
