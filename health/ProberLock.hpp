#pragma once
// One prober per health table: two would each retire the other's table on every reload. The
// lock is a file beside the table in /dev/shm, held with flock() for the prober's lifetime,
// so the kernel releases it whatever way the prober ends.
#include <string>

namespace pharos::health {

class ProberLock {
  public:
    // Throws with a message naming the table when another prober holds it.
    explicit ProberLock(const std::string& table);
    ~ProberLock();
    ProberLock(const ProberLock&) = delete;
    ProberLock& operator=(const ProberLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace pharos::health
