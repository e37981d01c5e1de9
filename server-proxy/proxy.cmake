# The proxy itself: HTTP server, auth, limits, handlers (library) and the thin binary.
# Included from server-proxy/CMakeLists.txt after porchlight_server is defined.
add_subdirectory(src/upstream)

add_library(porchlight_proxy STATIC
  src/admin/commands.cpp
  src/alerts/budget_alerts.cpp
  src/alerts/webhook.cpp
  src/api_error.cpp
  src/app.cpp
  src/auth/authenticator.cpp
  src/auth/credentials.cpp
  src/auth/scopes.cpp
  src/auth/visibility.cpp
  src/config.cpp
  src/demo.cpp
  src/error_codes.cpp
  src/ghl/signature.cpp
  src/ghl/sso.cpp
  src/handlers/access.cpp
  src/handlers/coach.cpp
  src/handlers/coach_plan.cpp
  src/handlers/coach_steps.cpp
  src/handlers/conversations.cpp
  src/handlers/insights.cpp
  src/handlers/json_util.cpp
  src/handlers/ghl.cpp
  src/handlers/leads.cpp
  src/handlers/learning.cpp
  src/handlers/live.cpp
  src/handlers/messages.cpp
  src/handlers/meta.cpp
  src/handlers/profiles.cpp
  src/handlers/routes.cpp
  src/handlers/settings.cpp
  src/handlers/usage.cpp
  src/handlers/web.cpp
  src/ghl/events.cpp
  src/ghl/links.cpp
  src/ghl/sign_in.cpp
  src/ghl/worker.cpp
  src/http/gzip.cpp
  src/http/server.cpp
  src/ledger/usage_ledger.cpp
  src/limits/admission.cpp
  src/limits/budgets.cpp
  src/limits/load_shedder.cpp
  src/limits/rate_limiter.cpp
  src/learn/experiments.cpp
  src/learn/insights.cpp
  src/learn/outcomes.cpp
  src/live/card_hub.cpp
  src/live/frames.cpp
  src/live/suggestion.cpp
  src/log.cpp
  src/metrics.cpp
  src/providers/anthropic_provider.cpp
  src/providers/fallback_chain.cpp
  src/providers/playbook_provider.cpp)
add_library(porchlight::proxy ALIAS porchlight_proxy)
target_include_directories(porchlight_proxy PUBLIC src)
target_link_libraries(porchlight_proxy PUBLIC porchlight::server porchlight::upstream porchlight::asio porchlight::core
                      OpenSSL::Crypto ZLIB::ZLIB)

# PORCHLIGHT_UNITY (the test suite's sanitizer tree): sources compiled in batches, so that Asio,
# Beast and the store's headers are parsed and instantiated once per batch, not once per source.
if(PORCHLIGHT_UNITY)
  set_target_properties(porchlight_proxy PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  target_compile_options(porchlight_proxy PRIVATE -Wno-subobject-linkage)  # GCC: a batch reads its sources as headers
endif()

# GCC 12 false positive in Asio's coroutine-frame allocator (system header).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(porchlight_proxy PUBLIC -Wno-mismatched-new-delete)
endif()

add_executable(porchlight-proxy main.cpp)
target_link_libraries(porchlight-proxy PRIVATE porchlight::proxy)
set_target_properties(porchlight-proxy PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")

# ---- unit tests of the proxy's parts (doctest; sources compiled into the executable so that
# every test registers). The auth, limits and ledger tests use a scratch SQLite store.
set(PORCHLIGHT_PROXY_UNIT_TESTS "${PROJECT_SOURCE_DIR}/tests/proxy")
add_executable(porchlight_proxy_tests
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/main.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/api_error_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/auth/authenticator_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/auth/credentials_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/auth/scopes_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/ghl/events_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/ghl/signature_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/ghl/sso_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/handlers/coach_plan_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/http/gzip_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/http/router_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/http_wire_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/ledger/usage_ledger_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/limits/admission_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/limits/load_shedder_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/live/frames_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/providers/provider_test.cpp"
  "${PORCHLIGHT_PROXY_UNIT_TESTS}/store/test_env.cpp")
target_include_directories(porchlight_proxy_tests PRIVATE "${PORCHLIGHT_PROXY_UNIT_TESTS}")
target_link_libraries(porchlight_proxy_tests PRIVATE porchlight::proxy)
target_compile_definitions(porchlight_proxy_tests PRIVATE PORCHLIGHT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME proxy.units COMMAND porchlight_proxy_tests)
add_dependencies(porchlight_unit_tests porchlight_proxy_tests)
