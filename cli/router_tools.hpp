// router_tools.hpp: the CLI's router v2 commands (router_tools.cpp). Each returns the exit
// status, or -1 for a usage problem.
#pragma once

int train_command(int argc, char** argv);
int eval_command(int argc, char** argv);
