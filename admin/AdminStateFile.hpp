#pragma once
// The admin-state file (pharos.yaml `admin_state`): the overrides and the DR policies'
// records as JSON, so they outlive restarts of every process. Written whole and atomically;
// read with file:line:key errors.
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "admin/AdminOverrides.hpp"
#include "admin/PolicyRecords.hpp"
#include "conf/ConfigLoader.hpp"

namespace pharos::admin {

struct AdminState {
    AdminOverrides overrides;
    PolicyRecords policy;
    friend bool operator==(const AdminState&, const AdminState&) = default;
};

using AdminStateLoad = std::variant<AdminState, std::vector<conf::ConfigError>>;

// A missing file is an empty state (nothing was ever set).
AdminStateLoad loadAdminState(const std::string& path);
// The same from text; `name` stands for the file in errors.
AdminStateLoad parseAdminState(const std::string& text, const std::string& name);

// The file's JSON document (version 2: overrides, holders, approvals), as saved.
nlohmann::json adminStateJson(const AdminState& state);

// Writes a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs the
// directory, so a crash leaves the old file or the new one, never a mix. The file gets mode
// 0640 and `group` when that group exists. Throws std::runtime_error naming the path and the
// system's reason (disk full, read-only...); `path` is then unchanged.
void saveAdminState(const std::string& path, const AdminState& state, const std::string& group);

}  // namespace pharos::admin
