// store/transcript.hpp: conversations and the durable transcript (store.transcript()). Error
// codes and threading: store.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class Transcript {
 public:
  virtual ~Transcript() = default;
  // Returns the conversation, creating it if new. A conversation id that exists in another
  // location is store.conflict (ids never cross tenants).
  virtual Result<Conversation> open_conversation(const Scope& s, const Conversation& c) = 0;
  virtual Result<std::optional<Conversation>> get_conversation(const Scope& s, const std::string& id) = 0;
  virtual Result<Done> update_conversation(const Scope& s, const std::string& id, ConversationStage stage,
                                           const std::string& summary, std::int64_t summary_through_seq) = 0;
  // Appends with the next seq; returns the stored message (id, seq, timestamps set). Durable on
  // return: the proxy acknowledges nothing before this returns.
  virtual Result<Message> append_message(const Scope& s, const Message& m) = 0;
  // Replaces content, status, usage, cost and latency of message m.id (streaming appends, final);
  // also model, specialist and event_id when they are not empty. m.conversation_id, when set,
  // must match. store.not_found when there is no such message in this location.
  virtual Result<Done> update_message(const Scope& s, const Message& m) = 0;
  virtual Result<std::vector<Message>> list_messages(const Scope& s, const std::string& conversation_id,
                                                     std::int64_t after_seq, std::int64_t limit) = 0;
  virtual Result<std::optional<Message>> get_message(const Scope& s, const std::string& id) = 0;
};

}  // namespace porchlight::store
