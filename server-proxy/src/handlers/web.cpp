// handlers/web.cpp: the browser-facing assets: the widget script (/porchlight.js), the WASM core,
// the dashboard and the Streamlit component, served from the web root (dist/web). The demo CRM
// page at / exists only with --demo (see demo.cpp).

#include <filesystem>
#include <fstream>
#include <sstream>

#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "http/gzip.hpp"
#include "demo.hpp"

namespace porchlight::proxy {

namespace {

std::string_view content_type(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".map") return "application/json";
  return "application/octet-stream";
}

// Resolves `relative` inside `root`; nullopt for anything that escapes it or is not a file.
std::optional<std::filesystem::path> resolve(const std::filesystem::path& root, const std::string& relative) {
  if (relative.find('\0') != std::string::npos || relative.find("..") != std::string::npos) return std::nullopt;
  std::error_code ec;
  const auto base = std::filesystem::weakly_canonical(root, ec);
  const auto file = std::filesystem::weakly_canonical(root / relative, ec);
  if (ec) return std::nullopt;
  const auto rel = file.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  return file;
}


}  // namespace

std::filesystem::path web_root(const Config& config) {
  if (!config.web_root.empty()) return config.web_root;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  // dist/bin/porchlight-proxy -> dist/web; build/native/bin/... -> dist/web of the checkout.
  for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (std::filesystem::is_directory(dir / "web") && std::filesystem::exists(dir / "web/porchlight-core.mjs")) return dir / "web";
    if (std::filesystem::is_directory(dir / "dist/web")) return dir / "dist/web";
  }
  return "dist/web";
}

awaitable<void> send_file(App& app, Exchange& ex, const std::string& relative, const Headers& extra) {
  const auto file = resolve(web_root(app.config()), relative);
  if (!file) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no such file: /" + relative));
    co_return;
  }
  Headers headers = extra;
  headers.emplace_back("x-content-type-options", "nosniff");
  headers.emplace_back("vary", "accept-encoding");
  // web/build.mjs writes a .gz beside each text asset and the WASM core: send it to browsers that
  // take gzip (all of them), so the widget's transfer stays within its budget without a CDN.
  auto body_file = *file;
  std::error_code ec;
  if (accepts_gzip(ex.header("accept-encoding")) && std::filesystem::is_regular_file(body_file.string() + ".gz", ec)) {
    body_file += ".gz";
    headers.emplace_back("content-encoding", "gzip");
  }
  std::ifstream in(body_file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  co_await ex.send(200, ss.str(), content_type(*file), headers);
}

namespace {
// The widget loads on any CRM page: its assets are public and carry no secrets.
const Headers kPublicAsset{{"access-control-allow-origin", "*"}, {"cache-control", "public, max-age=300"},
                           {"cross-origin-resource-policy", "cross-origin"}};
}  // namespace

awaitable<void> widget_script(App& app, Exchange& ex, const Principal&) {
  co_await send_file(app, ex, "porchlight.js", kPublicAsset);
}

awaitable<void> web_asset(App& app, Exchange& ex, const Principal&) {
  // Pages have their own routes (/, /dashboard) with their CSP, and the demo page is a template:
  // of the HTML under the web root only the Streamlit component's frame is an asset.
  const std::string& path = ex.params[0];
  if (path.ends_with(".html") && !path.starts_with("streamlit/")) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no such file: /web/" + path));
    co_return;
  }
  co_await send_file(app, ex, path, kPublicAsset);
}

awaitable<void> dashboard_page(App& app, Exchange& ex, const Principal&) {
  co_await send_file(app, ex, "dashboard/index.html",
                     HEADERS({{"content-security-policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'"},
                      {"cache-control", "no-cache"}}));
}

}  // namespace porchlight::proxy
