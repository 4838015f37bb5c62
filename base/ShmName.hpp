#pragma once
// Where POSIX shared-memory objects live in the file system. shm_open() names them "/name";
// Linux keeps them as files under /dev/shm, which is how pharos stats, renames and locks them.
#include <string>
#include <string_view>

namespace pharos::base {

inline std::string shmPath(std::string_view shm_name) {
    return "/dev/shm" + std::string(shm_name);
}

}  // namespace pharos::base
