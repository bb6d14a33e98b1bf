import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A small OpenAI-compatible server on 127.0.0.1 for tests: POST /v1/chat/completions answers a
 * `chat.completion` with `usage`, so the real `openai` SDK makes real HTTP requests against it.
 *
 * Modes: `ok` (distinct drafts), `same` (identical drafts, for QC's duplicate check), `error`
 * (an error status whose message echoes the API key, to prove it is scrubbed), `hang` (never
 * answers, to trigger the SDK timeout), `fail-after` (answers `okCount` requests, then errors).
 */
export type FakeMode = 'ok' | 'same' | 'error' | 'hang' | 'fail-after';

export interface FakeRequest {
  authorization: string | undefined;
  body: { model?: string; messages?: Array<{ role: string; content: string }> };
}

export interface FakeOpenAiServer {
  url: string;
  /** Base URL for OPENAI_BASE_URL (`.../v1`). */
  baseUrl: string;
  requests: FakeRequest[];
  mode: FakeMode;
  errorStatus: number;
  okCount: number;
  /** Tokens reported per answer. */
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Delay before answering (ms), e.g. to observe jobs while they run. */
  delayMs: number;
  /** Completions being answered right now, and the most seen at once (the machine-wide concurrency). */
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startFakeOpenAi(
  initial: Partial<Pick<FakeOpenAiServer, 'mode' | 'errorStatus' | 'okCount' | 'usage' | 'delayMs'>> = {},
): Promise<FakeOpenAiServer> {
  const sockets = new Set<Socket>();
  const state: FakeOpenAiServer = {
    url: '',
    baseUrl: '',
    requests: [],
    mode: initial.mode ?? 'ok',
    errorStatus: initial.errorStatus ?? 500,
    okCount: initial.okCount ?? 1,
    usage: initial.usage ?? { prompt_tokens: 11, completion_tokens: 37 },
    delayMs: initial.delayMs ?? 0,
    inFlight: 0,
    maxInFlight: 0,
    close: async () => undefined,
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: FakeRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeRequest['body'];
      } catch {
        // leave empty
      }
      state.requests.push({ authorization: req.headers.authorization, body });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const n = state.requests.filter((r) => r.body.messages).length;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      res.on('close', () => state.inFlight--);
      const answer = () => {
        if (state.mode === 'hang') return; // never answers: the client's timeout must fire
        if (state.mode === 'error' || (state.mode === 'fail-after' && n > state.okCount)) {
          const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
          res.writeHead(state.errorStatus, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              error: {
                message: `Incorrect API key provided: ${key}. Upstream is unhappy.`,
                type: 'invalid_request_error',
                code: 'invalid_api_key',
              },
            }),
          );
          return;
        }
        const content =
          state.mode === 'same'
            ? '# The same draft\n\nThis fake server returns one identical answer for every request, so QC should flag duplicates here.\n'
            : `# Fake draft ${n}\n\nThis is answer number ${n} from the fake OpenAI-compatible server. It has enough words to pass the word count check easily, and says something different each time: ${n}.\n`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: `chatcmpl-fake-${n}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model ?? 'fake-model',
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: {
              prompt_tokens: state.usage.prompt_tokens,
              completion_tokens: state.usage.completion_tokens,
              total_tokens: state.usage.prompt_tokens + state.usage.completion_tokens,
            },
          }),
        );
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.baseUrl = `${state.url}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}
