// ghl/webhook_keys.hpp: GoHighLevel's webhook public keys, parsed once from the configuration.
#pragma once

#include <memory>

#include "config.hpp"
#include "ghl/signature.hpp"

namespace porchlight::proxy::ghl {

struct WebhookKeys {
  std::shared_ptr<const PublicKey> ed25519;  // X-GHL-Signature
  std::shared_ptr<const PublicKey> rsa;      // X-WH-Signature, only when the legacy key is set
  bool configured() const { return ed25519 || rsa; }
};

// Errors: config.invalid_ghl_key (which flag, never the key).
inline Result<WebhookKeys> load_webhook_keys(const Config& c) {
  WebhookKeys keys;
  if (!c.ghl_webhook_public_key.empty()) {
    auto k = parse_public_key(c.ghl_webhook_public_key, "ghl-webhook-public-key");
    if (!k) return k.errors();
    if (!is_ed25519(*k.value()))
      return Error{"config.invalid_ghl_key", "--ghl-webhook-public-key: expected an Ed25519 key", "ghl_webhook_public_key"};
    keys.ed25519 = k.value();
  }
  if (!c.ghl_legacy_public_key.empty()) {
    auto k = parse_public_key(c.ghl_legacy_public_key, "ghl-legacy-public-key");
    if (!k) return k.errors();
    if (is_ed25519(*k.value()))
      return Error{"config.invalid_ghl_key", "--ghl-legacy-public-key: expected an RSA key", "ghl_legacy_public_key"};
    keys.rsa = k.value();
  }
  return keys;
}

}  // namespace porchlight::proxy::ghl
