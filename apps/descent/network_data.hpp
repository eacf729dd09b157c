// What `descent serve` tells the page about a trained network (GET /api/network): the files that
// `descent train` and `descent landscape` wrote in one output folder, read into one JSON answer.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace descent::cli {

/// The training run, its sharpness (when `--sharpness-every` was given) and its landscape (when
/// `descent landscape` wrote FOLDER/landscape) as docs/api.md describes for GET /api/network.
/// A folder without train.json gives {"available": false, "message": how to make one}; a file
/// that cannot be read as its writer wrote it is an InputError naming it.
nlohmann::json network_data(const std::filesystem::path& folder);

}  // namespace descent::cli
