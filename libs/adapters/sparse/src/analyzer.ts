import { createRequire } from 'node:module';
import { stopWordsFor } from './stop-words';

/** The slice of snowball-stemmers we use (the package ships no types). */
interface SnowballStemmer {
  stem(word: string): string;
}
interface SnowballFactory {
  newStemmer(algorithm: string): SnowballStemmer;
  algorithms(): string[];
}

// snowball-stemmers is CommonJS without an ESM entry; createRequire keeps this file ESM-clean.
const snowball = createRequire(import.meta.url)('snowball-stemmers') as SnowballFactory;

/** Snowball algorithm names keyed by ISO 639-1 code, so callers may say `en` or `english`. */
const ISO_TO_SNOWBALL: Readonly<Record<string, string>> = {
  ar: 'arabic', hy: 'armenian', eu: 'basque', ca: 'catalan', cs: 'czech', da: 'danish', nl: 'dutch',
  en: 'english', fi: 'finnish', fr: 'french', de: 'german', hu: 'hungarian', it: 'italian', ga: 'irish',
  no: 'norwegian', nb: 'norwegian', pt: 'portuguese', ro: 'romanian', ru: 'russian', es: 'spanish',
  sl: 'slovene', sv: 'swedish', ta: 'tamil', tr: 'turkish',
};

/** Lists the languages the analyzer can stem (Snowball algorithm names). */
export function supportedLanguages(): string[] {
  return snowball.algorithms();
}

/** Resolves `en`, `en-GB`, `English` or `english` to a Snowball algorithm name, or throws. */
export function resolveLanguage(language: string): string {
  const lower = language.trim().toLowerCase();
  const algorithms = snowball.algorithms();
  if (algorithms.includes(lower)) return lower;
  const iso = ISO_TO_SNOWBALL[lower.split(/[-_]/u)[0] ?? ''];
  if (iso !== undefined) return iso;
  throw new Error(`unknown stemmer language "${language}"; expected one of ${algorithms.join(', ')} or an ISO 639-1 code`);
}

/**
 * Scripts written without spaces between words. A whole run of them would become one giant token,
 * so they are indexed as overlapping character bigrams instead, as Lucene's CJKAnalyzer does
 * (bigrams are the standard dictionary-free choice for CJK retrieval).
 */
const CJK = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}`;

/**
 * A token is a run of letters, combining marks (needed by Devanagari, Thai, ...) and digits; an
 * apostrophe inside a word is kept so that the stop list and the English stemmer see "don't" and
 * "cell's" whole. The `v` flag lets the word class exclude the CJK scripts handled above.
 */
const TOKEN = new RegExp(String.raw`[${CJK}]+|[[\p{L}\p{M}\p{N}]--[${CJK}]]+(?:'[[\p{L}\p{M}\p{N}]--[${CJK}]]+)*`, 'gv');
const IS_CJK = new RegExp(String.raw`^[${CJK}]`, 'v');

/**
 * Scientific and technical English writes a lone Greek letter and its name interchangeably
 * ("TNF-α" / "TNF-alpha", "β-blocker" / "beta blocker"), so a single Greek letter standing as its
 * own token is indexed as its English name. Greek words (two letters or more) are left alone.
 */
const GREEK_LETTER_NAMES: Readonly<Record<string, string>> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', ζ: 'zeta', η: 'eta', θ: 'theta', ι: 'iota',
  κ: 'kappa', λ: 'lambda', μ: 'mu', ν: 'nu', ξ: 'xi', ο: 'omicron', π: 'pi', ρ: 'rho', σ: 'sigma', ς: 'sigma',
  τ: 'tau', υ: 'upsilon', φ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
};

/** Longest token kept: longer runs are base64, hashes or minified noise, never a query word. */
const MAX_TOKEN_LENGTH = 64;

/** Turns text into index terms: lowercase, tokenised, stop words removed, stemmed. */
export interface Analyzer {
  readonly language: string;
  terms(text: string): string[];
}

/** Builds the word-level analyzer for one Snowball language (default English). */
export function createAnalyzer(language = 'english'): Analyzer {
  const algorithm = resolveLanguage(language);
  const stemmer = snowball.newStemmer(algorithm);
  const stopWords = stopWordsFor(algorithm);
  // Stemming is the hot loop of indexing; corpora repeat words heavily, so memoise per analyzer.
  const stemCache = new Map<string, string>();
  const STEM_CACHE_LIMIT = 200_000;

  const stem = (word: string): string => {
    let stemmed = stemCache.get(word);
    if (stemmed === undefined) {
      stemmed = stemmer.stem(word);
      if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
      stemCache.set(word, stemmed);
    }
    return stemmed;
  };

  return {
    language: algorithm,
    terms(text: string): string[] {
      const normalised = text.normalize('NFKC').toLowerCase().replace(/[\u2019\u02bc]/gu, "'");
      const out: string[] = [];
      for (const match of normalised.matchAll(TOKEN)) {
        const token = match[0];
        if (IS_CJK.test(token)) {
          const chars = Array.from(token);
          if (chars.length === 1) out.push(token);
          chars.slice(1).forEach((next, i) => out.push(`${chars[i] ?? ''}${next}`));
          continue;
        }
        if (token.length > MAX_TOKEN_LENGTH || stopWords.has(token)) continue;
        const greek = GREEK_LETTER_NAMES[token];
        if (greek !== undefined) {
          out.push(stem(greek));
          continue;
        }
        // Possessives: the stop list matched "it's" above; "cell's" indexes as "cell".
        const word = token.endsWith("'s") ? token.slice(0, -2) : token;
        const stemmed = stem(word.replace(/'/gu, ''));
        if (stemmed.length > 0) out.push(stemmed);
      }
      return out;
    },
  };
}
