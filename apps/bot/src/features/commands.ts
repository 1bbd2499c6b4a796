/**
 * The command menu (setMyCommands) — one list, so /help and the menu never disagree.
 */
import type { Api } from 'grammy';

export const COMMANDS = [
  { command: 'ask', description: 'Ask a question about your documents' },
  { command: 'files', description: 'List your documents (size, chunks, date)' },
  { command: 'summarize', description: 'Summarize a document: /summarize <file>' },
  { command: 'delete', description: 'Delete a document: /delete <file>' },
  { command: 'sources', description: 'Details of the last answer\'s sources' },
  { command: 'stats', description: 'Your usage and index' },
  { command: 'clear', description: 'Forget the conversation history' },
  { command: 'cancel', description: 'Stop the running answer' },
  { command: 'settings', description: 'Answer language' },
  { command: 'help', description: 'Formats, limits and examples' },
] as const;

/** Publishes the menu; failures are logged by the caller, never fatal. */
export async function registerCommands(api: Api): Promise<void> {
  await api.setMyCommands([...COMMANDS]);
}
