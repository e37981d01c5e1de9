// sse.mjs: reads a text/event-stream response into [{event, data, id}] (data parsed as JSON when
// it is), until the stream ends or until(event, events) says so.
export async function readSse(response, { until } = {}) {
  const events = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const e = { event: 'message', data: '', id: undefined };
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') e.event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') e.id = value;
      }
      if (!data.length) continue;
      e.data = data.join('\n');
      try { e.data = JSON.parse(e.data); } catch { /* keep text */ }
      events.push(e);
      if (until && until(e, events)) return events;
    }
  }
  return events;
}
