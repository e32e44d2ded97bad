/**
 * Secrets written inside one argument, wherever in it they are: URL passwords, JSON values,
 * `name=value` pairs, `Authorization:`/`Bearer` credentials and tokens that name themselves.
 *
 * The argument is chosen by whoever started the process (up to 128 KiB), so each rule costs time
 * linear in its length: the two regular expressions begin with a literal and never put two
 * repeats that can match the same character side by side; the other rules are scanners that walk
 * the text once.
 */
import { isSecretName, SECRET_MASK } from './secret-names.js';

/** A token that says what it is by its prefix, so it is hidden wherever it appears. */
export interface SelfIdentifyingToken {
  /** The literal, case-sensitive start of every such token. */
  readonly prefix: string;
  /** The characters of the rest of the token, as a regular-expression class body. */
  readonly body: string;
}

/**
 * Fewest characters after a token's prefix for it to count as a token; real ones carry 16
 * (AWS key ids) to 80 (GitHub fine-grained tokens), while words such as `ghp_config` carry fewer.
 */
const TOKEN_MIN_BODY_LENGTH = 16;

/** Tokens recognised by their prefix alone, anywhere in an argument. */
export const SELF_IDENTIFYING_TOKENS: readonly SelfIdentifyingToken[] = [
  // AWS access key ids: long-term (an IAM user's) and temporary (STS). Not the secret half,
  // but half a credential and the name of an account's user.
  { prefix: 'AKIA', body: 'A-Z0-9' },
  { prefix: 'ASIA', body: 'A-Z0-9' },
  // GitHub: classic personal access, OAuth, user-to-server, server-to-server and refresh tokens.
  { prefix: 'ghp_', body: 'A-Za-z0-9' },
  { prefix: 'gho_', body: 'A-Za-z0-9' },
  { prefix: 'ghu_', body: 'A-Za-z0-9' },
  { prefix: 'ghs_', body: 'A-Za-z0-9' },
  { prefix: 'ghr_', body: 'A-Za-z0-9' },
  // GitHub fine-grained personal access tokens.
  { prefix: 'github_pat_', body: 'A-Za-z0-9_' },
  // GitLab personal access tokens.
  { prefix: 'glpat-', body: 'A-Za-z0-9_-' },
  // Slack bot, user, workspace-app, refresh and session tokens.
  { prefix: 'xoxb-', body: 'A-Za-z0-9-' },
  { prefix: 'xoxp-', body: 'A-Za-z0-9-' },
  { prefix: 'xoxa-', body: 'A-Za-z0-9-' },
  { prefix: 'xoxr-', body: 'A-Za-z0-9-' },
  { prefix: 'xoxs-', body: 'A-Za-z0-9-' },
  // Stripe secret and restricted keys, live and test, and webhook signing secrets.
  { prefix: 'sk_live_', body: 'A-Za-z0-9' },
  { prefix: 'rk_live_', body: 'A-Za-z0-9' },
  { prefix: 'sk_test_', body: 'A-Za-z0-9' },
  { prefix: 'rk_test_', body: 'A-Za-z0-9' },
  { prefix: 'whsec_', body: 'A-Za-z0-9' },
  // npm access tokens.
  { prefix: 'npm_', body: 'A-Za-z0-9' },
  // Google API keys.
  { prefix: 'AIza', body: 'A-Za-z0-9_-' },
];

/**
 * Hides the secrets written inside one argument (or inside a flag's attached value).
 * @param isCut the text was cut short (the command line was capped): a secret running into the
 *   end is hidden even without what would close it (a URL password's `@`, a token's full length).
 */
export function hideSecretsInText(text: string, isCut: boolean): string {
  const withoutUrlPasswords = hideUrlPasswords(text, isCut);
  const withoutJson = hideJsonSecrets(withoutUrlPasswords);
  const withoutAssignments = hideEmbeddedAssignments(withoutJson);
  const withoutCredentials = withoutAssignments.replace(AUTHORIZATION_IN_TEXT, `$1$2${SECRET_MASK}`).replace(BEARER_IN_TEXT, `$1${SECRET_MASK}`);
  return hideSelfIdentifyingTokens(withoutCredentials, isCut);
}

/**
 * An `Authorization:` header inside a longer argument (`sh -c 'curl -H "Authorization: …"'`):
 * the scheme stays, the first word of credentials goes.
 */
const AUTHORIZATION_IN_TEXT = /(\bauthorization\s*:\s*)([A-Za-z][\w-]*\s+(?=[^\s"'`]))?[^\s"'`]+/gi;
/** `Bearer x` anywhere: the token (RFC 6750's token68 characters) goes. */
const BEARER_IN_TEXT = /(\bbearer\s+)[\w.~+/=-]+/gi;

function isSchemeCharacter(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x2b /* + */ || code === 0x2e /* . */ || code === 0x2d /* - */;
}

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** JavaScript's `\s`: ASCII white space, no-break and other Unicode spaces, the BOM. */
function isWhiteSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Characters that end a URL's user name: white space, `:`, `@`, `/`, `?`, `#`. */
function endsUserName(code: number): boolean {
  return isWhiteSpace(code) || code === 0x3a || code === 0x40 || code === 0x2f || code === 0x3f || code === 0x23;
}

/**
 * Hides the password of every `scheme://user:password@host` in the text. The password runs to
 * the last `@` before a space, not to the first `/`: base64 passwords hold `/` and are often
 * pasted unencoded. The cost is that an `@` in a path after a port
 * (`https://host:443/@scope/pkg`) hides `443/`. In a cut argument, a password that runs into the
 * cut may end at an `@` never read, so all of it to the cut is hidden.
 *
 * Linear: each `://` is looked at once, the scheme before it and the user name after it stop at
 * the `:` and `/` of its neighbours, and the last `@` of each space-separated run is found once.
 */
function hideUrlPasswords(text: string, isCut: boolean): string {
  let shown = '';
  let copiedUpTo = 0;
  let searchFrom = 0;
  // The space-separated run holding the current password: where it ends and its last `@` (-1: none).
  let runEnd = -1;
  let lastAtInRun = -1;
  for (;;) {
    const separator = text.indexOf('://', searchFrom);
    if (separator === -1) break;
    searchFrom = separator + 3;
    let schemeStart = separator;
    while (schemeStart > copiedUpTo && isSchemeCharacter(text.charCodeAt(schemeStart - 1))) schemeStart--;
    while (schemeStart < separator && !isLetter(text.charCodeAt(schemeStart))) schemeStart++;
    if (schemeStart === separator) continue;
    let userEnd = separator + 3;
    while (userEnd < text.length && !endsUserName(text.charCodeAt(userEnd))) userEnd++;
    if (text.charCodeAt(userEnd) !== 0x3a /* : */) continue;
    const passwordStart = userEnd + 1;
    if (passwordStart >= runEnd) {
      runEnd = passwordStart;
      lastAtInRun = -1;
      while (runEnd < text.length && text.charCodeAt(runEnd) !== 0x20) {
        if (text.charCodeAt(runEnd) === 0x40 /* @ */) lastAtInRun = runEnd;
        runEnd++;
      }
    }
    if (isCut && runEnd === text.length) {
      if (passwordStart < text.length) return `${shown}${text.slice(copiedUpTo, passwordStart)}${SECRET_MASK}`;
      break;
    }
    if (lastAtInRun <= passwordStart) continue;
    shown += `${text.slice(copiedUpTo, passwordStart)}${SECRET_MASK}`;
    copiedUpTo = lastAtInRun;
    searchFrom = lastAtInRun + 1;
  }
  return shown + text.slice(copiedUpTo);
}

/** The index after a JSON string's closing quote, or the text's length when it has none. */
function endOfJsonString(text: string, openingQuote: number): { end: number; closed: boolean } {
  let index = openingQuote + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x5c /* \ */) index += 2;
    else if (code === 0x22 /* " */) return { end: index + 1, closed: true };
    else index++;
  }
  return { end: text.length, closed: false };
}

function isJsonWhiteSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Characters that end a bare JSON value (a number, `true`, `null`) or begin something else. */
function endsBareValue(code: number): boolean {
  return isJsonWhiteSpace(code) || code === 0x2c || code === 0x3a || code === 0x22 || code === 0x7b || code === 0x7d || code === 0x5b || code === 0x5d;
}

/**
 * Hides JSON values under a secret key: `"password": "x"` → `"password": "***"`, a number or
 * literal → `***`, and inside an object or array under one (`"auth": {"user": "a", "pin": 1}`)
 * every value, keeping the keys. A string with no closing quote (a cut argument) is hidden to
 * the end. Walks the text once, counting brackets; it need not be valid JSON.
 */
function hideJsonSecrets(text: string): string {
  if (!text.includes('"')) return text;
  let shown = '';
  let copiedUpTo = 0;
  const hide = (start: number, end: number, replacement: string) => {
    shown += text.slice(copiedUpTo, start) + replacement;
    copiedUpTo = end;
  };
  let depth = 0;
  // The depth outside the object or array whose every value is hidden; -1 when none is open.
  let hiddenFromDepth = -1;
  let valueIsSecret = false;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    const insideHidden = hiddenFromDepth !== -1 && depth > hiddenFromDepth;
    if (code === 0x22 /* " */) {
      const { end, closed } = endOfJsonString(text, index);
      let afterString = end;
      while (afterString < text.length && isJsonWhiteSpace(text.charCodeAt(afterString))) afterString++;
      if (closed && text.charCodeAt(afterString) === 0x3a /* : */ && !valueIsSecret) {
        // A key: its value is secret when the key is, or when it sits in a hidden container.
        valueIsSecret = insideHidden || isSecretName(text.slice(index + 1, end - 1));
        index = afterString + 1;
        continue;
      }
      if (valueIsSecret || insideHidden) hide(index, end, closed ? `"${SECRET_MASK}"` : `"${SECRET_MASK}`);
      valueIsSecret = false;
      index = end;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (valueIsSecret && hiddenFromDepth === -1) hiddenFromDepth = depth;
      valueIsSecret = false;
      depth++;
      index++;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      depth = Math.max(0, depth - 1);
      if (depth <= hiddenFromDepth) hiddenFromDepth = -1;
      valueIsSecret = false;
      index++;
    } else if ((valueIsSecret || insideHidden) && !endsBareValue(code)) {
      let end = index + 1;
      while (end < text.length && !endsBareValue(text.charCodeAt(end))) end++;
      hide(index, end, SECRET_MASK);
      valueIsSecret = false;
      index = end;
    } else {
      if (!isJsonWhiteSpace(code)) valueIsSecret = false;
      index++;
    }
  }
  return shown + text.slice(copiedUpTo);
}

/** Characters that may precede a `name=value` pair inside an argument: white space, `&`, `?`, `;`, `,`. */
function separatesAssignments(code: number): boolean {
  return isWhiteSpace(code) || code === 0x26 || code === 0x3f || code === 0x3b || code === 0x2c;
}

/** Characters of a pair's name: letters, digits, `_`, `.`, `-`. */
function isNameCharacter(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === 0x2e || code === 0x2d;
}

/** Characters that end an unquoted value: white space, `&`, `;`, `,` (a `?` may be in it). */
function endsUnquotedValue(code: number): boolean {
  return isWhiteSpace(code) || code === 0x26 || code === 0x3b || code === 0x2c;
}

/**
 * Hides the value of each secret `name=value` pair inside an argument: libpq connection strings
 * (`host=db password=x`), URL query strings (`?token=x&…`), comma-separated settings
 * (`a=1,db.password=x`). A pair starts the text or follows white space, `&`, `?`, `;` or `,`.
 * Quoted values (libpq allows `password='a b'`) are hidden whole; a secret whose quote never
 * closes is hidden to the end of the text.
 */
function hideEmbeddedAssignments(text: string): string {
  if (!text.includes('=')) return text;
  let shown = '';
  let copiedUpTo = 0;
  // Quotes (' or ") for which a search for the closing one already failed: from any later
  // opening quote it fails too (the failed search passed that quote as an escaped character and
  // went on from the same place), so it is not repeated.
  const neverClosed = new Set<number>();
  let index = 0;
  while (index < text.length) {
    let nameEnd = index;
    while (nameEnd < text.length && isNameCharacter(text.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd > index && text.charCodeAt(nameEnd) === 0x3d /* = */) {
      const valueStart = nameEnd + 1;
      const quote = text.charCodeAt(valueStart);
      let valueEnd = -1;
      const isQuoted = quote === 0x27 /* ' */ || quote === 0x22; /* " */
      if (isQuoted && !neverClosed.has(quote)) {
        valueEnd = endOfQuoted(text, valueStart);
        if (valueEnd === -1) neverClosed.add(quote);
      }
      const isSecret = isSecretName(text.slice(index, nameEnd));
      if (valueEnd === -1 && isQuoted && isSecret) valueEnd = text.length;
      if (valueEnd === -1) {
        valueEnd = valueStart;
        while (valueEnd < text.length && !endsUnquotedValue(text.charCodeAt(valueEnd))) valueEnd++;
      }
      if (isSecret && valueEnd > valueStart) {
        shown += text.slice(copiedUpTo, valueStart) + SECRET_MASK;
        copiedUpTo = valueEnd;
      }
      index = valueEnd > valueStart ? valueEnd : nameEnd;
    } else {
      index = nameEnd;
    }
    // The next pair starts after the next separator.
    while (index < text.length && !separatesAssignments(text.charCodeAt(index))) index++;
    index++;
  }
  return shown + text.slice(copiedUpTo);
}

/** The index after the quote closing the one at `openingQuote` (a backslash escapes), or -1. */
function endOfQuoted(text: string, openingQuote: number): number {
  const quote = text.charCodeAt(openingQuote);
  let index = openingQuote + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x5c /* \ */) index += 2;
    else if (code === quote) return index + 1;
    else index++;
  }
  return -1;
}

/** Characters a token may run into: letters, digits, `_` and `-`. A token starts after none of them. */
function isTokenCharacter(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === 0x2d;
}

interface TokenPattern {
  prefix: string;
  /** Sticky: the prefix and the longest run of body characters, one repeat at the end, so it never backtracks. */
  pattern: RegExp;
}

/** Token kinds by the UTF-16 code of their first character, so most positions are passed over at once. */
const TOKENS_BY_FIRST_CHARACTER = new Map<number, TokenPattern[]>();
for (const { prefix, body } of SELF_IDENTIFYING_TOKENS) {
  const kinds = TOKENS_BY_FIRST_CHARACTER.get(prefix.charCodeAt(0)) ?? [];
  kinds.push({ prefix, pattern: new RegExp(`${prefix}[${body}]*`, 'y') });
  TOKENS_BY_FIRST_CHARACTER.set(prefix.charCodeAt(0), kinds);
}

/**
 * A JSON Web Token starts with a base64url JSON header (`eyJ` is `{"`) followed by `.`-separated
 * base64url parts: two more when signed, four when encrypted.
 */
const JWT_START = 'eyJ';
const JWT_FIRST_CHARACTER = 0x65; /* e */
const JWT_MAX_PARTS = 5;
/** Fewest characters of a JWT's header part; the shortest real header, `{"alg":"none"}`, has 20. */
const JWT_MIN_HEADER_LENGTH = 10;

/**
 * Hides self-identifying tokens and JWTs. A token starts where no token character precedes it,
 * so each run of token characters is tried once. In a cut argument, a token running into the
 * cut is hidden even when shorter than its kind.
 */
function hideSelfIdentifyingTokens(text: string, isCut: boolean): string {
  let shown = '';
  let copiedUpTo = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code !== JWT_FIRST_CHARACTER && !TOKENS_BY_FIRST_CHARACTER.has(code)) continue;
    if (index > 0 && isTokenCharacter(text.charCodeAt(index - 1))) continue;
    const end = tokenEndAt(text, index, isCut);
    if (end === -1) continue;
    shown += text.slice(copiedUpTo, index) + SECRET_MASK;
    copiedUpTo = end;
    index = end - 1;
  }
  return shown + text.slice(copiedUpTo);
}

/** Where the token starting at `start` ends, or -1 when none starts there. */
function tokenEndAt(text: string, start: number, isCut: boolean): number {
  const runsIntoCut = (end: number) => isCut && end === text.length;
  if (text.startsWith(JWT_START, start)) {
    const headerEnd = endOfTokenRun(text, start);
    let end = headerEnd;
    let parts = 1;
    let payloadLength = 0;
    while (parts < JWT_MAX_PARTS && text.charCodeAt(end) === 0x2e /* . */) {
      const partEnd = endOfTokenRun(text, end + 1);
      if (parts === 1) payloadLength = partEnd - end - 1;
      end = partEnd;
      parts++;
    }
    const isComplete = parts >= 3 && headerEnd - start >= JWT_MIN_HEADER_LENGTH && payloadLength > 0;
    return isComplete || runsIntoCut(end) ? end : -1;
  }
  for (const { prefix, pattern } of TOKENS_BY_FIRST_CHARACTER.get(text.charCodeAt(start)) ?? []) {
    if (!text.startsWith(prefix, start)) continue;
    pattern.lastIndex = start;
    const end = start + (pattern.exec(text)?.[0].length ?? 0);
    const bodyLength = end - start - prefix.length;
    return bodyLength >= TOKEN_MIN_BODY_LENGTH || (bodyLength > 0 && runsIntoCut(end)) ? end : -1;
  }
  return -1;
}

/** The end of the run of token (base64url) characters starting at `start`. */
function endOfTokenRun(text: string, start: number): number {
  let end = start;
  while (end < text.length && isTokenCharacter(text.charCodeAt(end))) end++;
  return end;
}
