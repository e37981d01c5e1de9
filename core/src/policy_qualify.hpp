// policy_qualify.hpp (internal): loading qualification.json, stages.json, extraction.json and
// contract_forms.json into PolicyData (policy_qualify.cpp), for policy.cpp's load().
#pragma once

#include <map>
#include <string>

#include "policy_data.hpp"

namespace porchlight::detail {

// policy.cpp's file parser: the parsed file in `storage`, or nullptr with errors recorded.
using ParseFile = const json* (*)(const std::map<std::string, std::string>& files, const std::string& name,
                                  json& storage, Errors& errors);

void load_qualify_files(const std::map<std::string, std::string>& files, PolicyData& d, Errors& errors,
                        const ParseFile& parse);

}  // namespace porchlight::detail
