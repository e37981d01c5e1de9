# The proxy itself: HTTP server, auth, limits, handlers (library) and the thin binary.
# Included from server-proxy/CMakeLists.txt after porchlight_server is defined.
add_subdirectory(src/upstream)

add_library(porchlight_proxy STATIC
  src/admin/commands.cpp
  src/api_error.cpp
  src/app.cpp
  src/auth/authenticator.cpp
  src/auth/credentials.cpp
  src/config.cpp
  src/demo.cpp
  src/error_codes.cpp
  src/handlers/coach.cpp
  src/handlers/coach_plan.cpp
  src/handlers/conversations.cpp
  src/handlers/json_util.cpp
  src/handlers/live.cpp
  src/handlers/messages.cpp
  src/handlers/meta.cpp
  src/handlers/profiles.cpp
  src/handlers/routes.cpp
  src/handlers/usage.cpp
  src/handlers/web.cpp
  src/http/server.cpp
  src/ledger/usage_ledger.cpp
  src/limits/admission.cpp
  src/limits/budgets.cpp
  src/limits/rate_limiter.cpp
  src/log.cpp
  src/metrics.cpp
  src/providers/anthropic_provider.cpp
  src/providers/fallback_chain.cpp
  src/providers/playbook_provider.cpp)
add_library(porchlight::proxy ALIAS porchlight_proxy)
target_include_directories(porchlight_proxy PUBLIC src)
target_link_libraries(porchlight_proxy PUBLIC porchlight::server porchlight::upstream porchlight::asio porchlight::core
                      OpenSSL::Crypto)

# GCC 12 false positive in Asio's coroutine-frame allocator (system header).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(porchlight_proxy PUBLIC -Wno-mismatched-new-delete)
endif()

add_executable(porchlight-proxy main.cpp)
target_link_libraries(porchlight-proxy PRIVATE porchlight::proxy)
set_target_properties(porchlight-proxy PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")

# ---- tests: the error-code registry as ApiError reads it (doctest) ----
add_executable(porchlight_api_error_tests "${PROJECT_SOURCE_DIR}/tests/proxy/api_error_test.cpp")
target_link_libraries(porchlight_api_error_tests PRIVATE porchlight::proxy)
add_test(NAME proxy.api_error COMMAND porchlight_api_error_tests)
add_dependencies(porchlight_unit_tests porchlight_api_error_tests)
