// The doctest runner of the proxy's unit tests (http, auth, limits, ledger, providers, handlers).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
