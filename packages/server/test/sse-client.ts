/** A small server-sent-events reader for the tests: the events of one stream, until it ends (or a count is reached). */
export interface SseEvent {
  id: number;
  event: string;
  data: { seq: number; type: string; state?: string; [key: string]: unknown };
}

export async function readEvents(url: string, headers: Record<string, string>, options: { stopAfter?: number; timeoutMs?: number } = {}): Promise<{ status: number; contentType: string | null; events: SseEvent[] }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 120_000);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { headers, signal: controller.signal });
    if (!res.ok || !res.body) return { status: res.status, contentType: res.headers.get('content-type'), events };
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue;
          const at = line.indexOf(':');
          fields.set(line.slice(0, at), line.slice(at + 1).replace(/^ /, ''));
        }
        if (!fields.has('data')) continue;
        events.push({ id: Number(fields.get('id')), event: fields.get('event') ?? 'message', data: JSON.parse(fields.get('data')!) as SseEvent['data'] });
        if (options.stopAfter !== undefined && events.length >= options.stopAfter) {
          controller.abort();
          return { status: res.status, contentType: res.headers.get('content-type'), events };
        }
      }
    }
    return { status: res.status, contentType: res.headers.get('content-type'), events };
  } catch (err) {
    if ((err as Error).name === 'AbortError' && options.stopAfter !== undefined && events.length >= options.stopAfter) return { status: 200, contentType: 'text/event-stream', events };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
