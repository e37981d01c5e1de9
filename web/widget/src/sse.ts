// sse.ts: a text/event-stream reader for fetch() bodies (POST /v1/coach cannot use EventSource).
// Follows the WHATWG parsing rules that matter here: CR, LF or CRLF line ends, "field: value"
// with one optional space, comment lines (":"), multi-line data joined with "\n", and an event
// dispatched at each blank line. UTF-8 split across chunks is handled by the streaming decoder.

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let sawCr = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let text = decoder.decode(value, { stream: true });
      if (sawCr && text.startsWith('\n')) text = text.slice(1);  // a CRLF split across chunks
      sawCr = text.endsWith('\r');
      buffer += text;
      let cut: number;
      while ((cut = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + (buffer.startsWith('\r\n', cut) ? 2 : 1));
        if (line === '') {
          if (data.length) yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) v = v.slice(1);
        if (field === 'event') event = v;
        else if (field === 'data') data.push(v);
        else if (field === 'id' && !v.includes('\0')) id = v;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
