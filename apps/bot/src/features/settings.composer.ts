/** /settings: the answer language. The default follows the user's Telegram language_code. */
import { InlineKeyboard } from 'grammy';
import type { BotDeps } from '../deps';
import { featureComposer } from './boundary';

export const LANGUAGES: Readonly<Record<string, string>> = {
  en: 'English',
  de: 'Deutsch',
  es: 'Español',
  fr: 'Français',
  it: 'Italiano',
  pt: 'Português',
  ru: 'Русский',
  uk: 'Українська',
  zh: '中文',
};

export function languageKeyboard(current: string | undefined): InlineKeyboard {
  const kb = new InlineKeyboard().text(`${current === undefined ? '✅ ' : ''}Auto (Telegram language)`, 'lang:auto').row();
  Object.entries(LANGUAGES).forEach(([code, name], i) => {
    kb.text(`${current === code ? '✅ ' : ''}${name}`, `lang:${code}`);
    if (i % 3 === 2) kb.row();
  });
  return kb;
}

function describe(language: string | undefined, telegram: string | undefined): string {
  return language
    ? `Answers are written in ${LANGUAGES[language] ?? language}.`
    : `Answers follow your Telegram language${telegram ? ` (${LANGUAGES[telegram.slice(0, 2)] ?? telegram})` : ''}.`;
}

export function settingsComposer(deps: BotDeps) {
  return featureComposer('settings', deps, (c) => {
    c.command('settings', async (ctx) => {
      await ctx.reply(`${describe(ctx.session.language, ctx.from?.language_code)}\nChoose the answer language:`, {
        reply_markup: languageKeyboard(ctx.session.language),
      });
    });
    c.callbackQuery(/^lang:([a-z]{2}|auto)$/, async (ctx) => {
      const choice = ctx.match[1];
      if (choice === 'auto' || choice === undefined) delete ctx.session.language;
      else ctx.session.language = choice;
      await ctx.answerCallbackQuery({ text: 'Saved.' });
      await ctx.editMessageText(describe(ctx.session.language, ctx.from.language_code), { reply_markup: languageKeyboard(ctx.session.language) }).catch(() => undefined);
    });
  });
}
