/** /stats: your usage today and your index; admins also see everyone's usage (/stats all). */
import type { BotDeps } from '../deps';
import { plural } from '../services/friendly-errors';
import { featureComposer } from './boundary';

export function statsComposer(deps: BotDeps) {
  return featureComposer('stats', deps, (c) => {
    c.command('stats', async (ctx) => {
      const { userId, ownerId, isAdmin } = ctx.docrag;
      const [usage, index, files] = await Promise.all([deps.usage.get(userId), deps.store.stats(ownerId), deps.registry.list(ownerId)]);
      const budget = usage.dailyTokenLimit > 0 ? `${usage.tokens.toLocaleString('en')} / ${usage.dailyTokenLimit.toLocaleString('en')} tokens` : `${usage.tokens.toLocaleString('en')} tokens (no daily limit)`;
      const lines = [
        `<b>Your usage today</b> (${usage.day}, UTC)`,
        `• ${budget}`,
        `• ${usage.questions} questions, ${usage.uploads} uploads`,
        '',
        `<b>${ctx.chat?.type === 'private' ? 'Your' : 'This group\'s'} index</b>`,
        `• ${plural(files.length, 'file')}, ${plural(index.chunks, 'chunk')}, ${plural(index.parents, 'section')}`,
      ];
      if (isAdmin) {
        const all = await deps.usage.all();
        if (ctx.match.trim() === 'all' || all.length > 0) {
          lines.push('', `<b>All users today</b> (admin)`);
          for (const row of all.slice(0, 30)) lines.push(`• ${row.userId}: ${row.tokens.toLocaleString('en')} tokens, ${row.questions} q, ${row.uploads} uploads`);
          const total = await deps.store.stats();
          lines.push(`• store: ${plural(total.files, 'file')}, ${plural(total.chunks, 'chunk')}${total.dimension ? `, dense dim ${total.dimension}` : ', sparse only'}`);
        }
      }
      await ctx.reply(lines.join('\n'), { parse_mode: 'HTML' });
    });
  });
}
