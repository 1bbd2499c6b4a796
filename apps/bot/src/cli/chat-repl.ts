/**
 * The terminal REPL behind `npm run chat`: the bot's own use cases (ingest, answer, files, delete,
 * sources) without Telegram, for trying the product and for debugging retrieval. Input is one line
 * at a time, so it can be driven by a pipe as well as a person.
 */
import type { AnswerQuestion, ChatHistory, FileRegistry, IngestDocument, OwnerId, Source, VectorStore } from '@docrag/domain';
import { extractCitations, formatCitation, isRagError } from '@docrag/domain';
import { friendlyError } from '../services/friendly-errors';

export interface ChatReplDeps {
  readonly ownerId: OwnerId;
  readonly chatKey: string;
  readonly answerQuestion: AnswerQuestion;
  readonly ingestDocument: IngestDocument;
  readonly store: VectorStore;
  readonly registry: FileRegistry;
  readonly history: ChatHistory;
  /** Reads a file for `:ingest` (injected so tests need no disk). */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  readonly write: (text: string) => void;
  /** True when a reranker is configured, so a skipped rerank is worth mentioning. */
  readonly rerankConfigured?: boolean;
  /** Answer language (BCP-47), as a Telegram user's language would be. */
  readonly language?: string;
}

export interface ChatRepl {
  /** Handles one input line; resolves `quit` when the session should end. */
  handle(line: string, signal?: AbortSignal): Promise<'quit' | undefined>;
}

export const HELP = `Commands:
  :ingest <path>     index a document (PDF, DOCX, DOC, EPUB, Markdown, text)
  :files             list your documents
  :delete <n|name>   delete a document (number from :files, or its name)
  :sources           details of the last answer's sources
  :clear             forget the conversation history
  :help              this text
  :quit              leave (Ctrl-D works too)
Anything else is a question about your documents.`;

const MB = 1024 * 1024;
const size = (bytes: number) => (bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`);

export function createChatRepl(deps: ChatReplDeps): ChatRepl {
  const out = deps.write;
  let lastSources: readonly Source[] = [];
  let lastText = '';

  async function files() {
    return deps.registry.list(deps.ownerId);
  }

  async function ingest(path: string, signal?: AbortSignal) {
    if (!path) return out('usage: :ingest <path>\n');
    let bytes: Uint8Array;
    try {
      bytes = await deps.readFile(path);
    } catch (error) {
      const code = (error as { code?: string }).code;
      return out(`Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message}\n`);
    }
    const name = path.split(/[\\/]/).pop() ?? path;
    let lastStage = '';
    const result = await deps.ingestDocument(
      { ownerId: deps.ownerId, name, bytes },
      {
        ...(signal ? { signal } : {}),
        onProgress: (p) => {
          if (p.stage === lastStage || p.stage === 'done') return;
          lastStage = p.stage;
          out(`  ${p.stage}…\n`);
        },
      },
    );
    const f = result.file;
    out(
      result.status === 'duplicate'
        ? `${f.name} is already indexed (${f.chunkCount} chunks).\n`
        : `Indexed ${f.name}: ${f.chunkCount} chunks in ${f.parentCount} sections (${size(f.sizeBytes)}, ${f.format}).\n`,
    );
  }

  async function list() {
    const all = await files();
    if (all.length === 0) return out('No documents yet. Add one with :ingest <path>.\n');
    all.forEach((f, i) => out(`${i + 1}. ${f.name}  ${f.format}, ${size(f.sizeBytes)}, ${f.chunkCount} chunks, ${new Date(f.createdAt).toISOString().slice(0, 10)}${f.status === 'ready' ? '' : ' (indexing)'}\n`));
  }

  async function remove(which: string) {
    if (!which) return out('usage: :delete <n|name>\n');
    const all = await files();
    const n = Number(which);
    const file = Number.isInteger(n) && n >= 1 ? all[n - 1] : all.find((f) => f.name === which || f.fileId === which);
    if (!file) return out(`No document "${which}". See :files.\n`);
    const chunks = await deps.store.deleteFile(deps.ownerId, file.fileId);
    await deps.registry.remove(deps.ownerId, file.fileId);
    out(`Deleted ${file.name} (${chunks} chunks).\n`);
  }

  function sources() {
    if (lastSources.length === 0) return out('No answer yet: ask a question first.\n');
    const cited = new Set(extractCitations(lastText, lastSources).map((c) => c.n));
    for (const source of lastSources) {
      const p = source.parent;
      const pages = p.pageStart === undefined ? '' : p.pageEnd !== undefined && p.pageEnd !== p.pageStart ? `, pp. ${p.pageStart}-${p.pageEnd}` : `, p. ${p.pageStart}`;
      const heading = p.headingPath.length > 0 ? ` — ${p.headingPath.join(' › ')}` : '';
      const passage = (source.matched[0]?.chunk.text ?? p.text).replace(/\s+/g, ' ').trim();
      out(`[${source.n}] ${p.fileName}${pages}${heading}  score ${source.score.toFixed(4)}${cited.has(source.n) ? '  (cited)' : ''}\n    ${passage.length > 240 ? `${passage.slice(0, 240)}…` : passage}\n`);
    }
  }

  async function ask(question: string, signal?: AbortSignal) {
    let streamed = '';
    for await (const event of deps.answerQuestion({
      ownerId: deps.ownerId,
      chatKey: deps.chatKey,
      question,
      ...(deps.language ? { language: deps.language } : {}),
      ...(signal ? { signal } : {}),
    })) {
      if (event.type === 'retrieved') lastSources = event.sources;
      else if (event.type === 'delta') {
        streamed += event.text;
        out(event.text);
      } else {
        const answer = event.answer;
        // The use case may finish with text it did not stream (no sources found).
        if (!streamed) out(answer.text);
        lastText = answer.text;
        lastSources = answer.sources;
        out('\n');
        if (answer.citations.length > 0) out(`\nSources:\n${answer.citations.map((c) => `  ${formatCitation(c)}`).join('\n')}\n`);
        const notes = [answer.mode === 'extractive' ? 'extractive answer: no LLM configured' : '', deps.rerankConfigured && answer.rerankSkipped && answer.sources.length > 0 ? 'reranker unavailable: fused order kept' : '']
          .filter(Boolean)
          .join('; ');
        if (notes) out(`(${notes})\n`);
      }
    }
  }

  return {
    async handle(raw, signal) {
      const line = raw.trim();
      if (!line) return undefined;
      const command = line.split(/\s+/, 1)[0] ?? '';
      const arg = line.slice(command.length).trim();
      try {
        switch (line.startsWith(':') ? command : undefined) {
          case ':quit':
          case ':q':
          case ':exit':
            return 'quit';
          case ':help':
            out(`${HELP}\n`);
            return undefined;
          case ':ingest':
            await ingest(arg, signal);
            return undefined;
          case ':files':
            await list();
            return undefined;
          case ':delete':
            await remove(arg);
            return undefined;
          case ':sources':
            sources();
            return undefined;
          case ':clear':
            await deps.history.clear(deps.chatKey);
            lastSources = [];
            out('History cleared.\n');
            return undefined;
          case undefined:
            await ask(line, signal);
            return undefined;
          default:
            out(`Unknown command ${command}. Type :help.\n`);
            return undefined;
        }
      } catch (error) {
        // The same wording Telegram users get, plus the developer one-liner (this is a local tool);
        // never a stack trace.
        const detail = isRagError(error) ? '' : ` (${error instanceof Error ? error.message : String(error)})`;
        out(`\n${friendlyError(error)}${detail}\n`);
        return undefined;
      }
    },
  };
}
