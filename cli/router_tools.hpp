// router_tools.hpp: the CLI's router v2 commands (router_tools.cpp). Each returns the exit
// status, or -1 for a usage problem.
#pragma once

#include <map>
#include <string>

// A core/data folder's files by their path inside it; false after saying why when it cannot be read.
bool read_policy_folder(const std::string& dir, std::map<std::string, std::string>& files);

int train_command(int argc, char** argv);
int eval_command(int argc, char** argv);
