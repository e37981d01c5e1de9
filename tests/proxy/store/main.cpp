// The doctest runner of the proxy's store tests (and of the fault tests).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
