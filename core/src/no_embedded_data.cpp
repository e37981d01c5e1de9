// no_embedded_data.cpp: the widget's WebAssembly module embeds no core/data: its policy comes from
// the proxy after first paint (api::load_policy), so its first load is code only.
#include "embedded_data.hpp"

namespace porchlight::detail {

const EmbeddedFile kEmbeddedFiles[] = {{"", ""}};
const std::size_t kEmbeddedFileCount = 0;

}  // namespace porchlight::detail
