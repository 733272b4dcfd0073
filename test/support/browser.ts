/**
 * A small scripted user agent for integration tests: real HTTP through the global `fetch`, a cookie
 * jar, redirects followed one hop at a time and simple HTML forms submitted like a browser would —
 * enough to drive a login through the dev provider (src/dev-provider) without a real browser.
 */
import { CookieJar } from './cookie-jar.ts';

/** One HTTP response as the test browser saw it. */
export interface BrowserResponse {
  status: number;
  headers: Headers;
  body: string;
  /** The URL that was requested. */
  url: URL;
  /** The raw Set-Cookie header values. */
  setCookies: string[];
}

/** A request made by the test browser; the body is sent as is (URLSearchParams as a url-encoded form). */
export interface BrowserRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
}

export interface NavigateOptions {
  /** Redirects followed at most (default 20); one more throws. */
  maxHops?: number;
  /** Checked against every redirect target: when it returns true, stops BEFORE requesting that URL. */
  stopWhen?: (url: URL) => boolean;
}

export interface SubmitFormOptions extends NavigateOptions {
  /** Picks the form to submit by its (resolved) action; default: the first form of the page. */
  form?: (action: URL) => boolean;
  /** Extra request headers (e.g. `accept: application/json` to get oidc-kit's JSON errors). */
  headers?: Record<string, string>;
}

export interface NavigateResult {
  /** The last response received (when stopped: the redirect that pointed at `stoppedAt`). */
  response: BrowserResponse;
  /** The URL of `response`. */
  url: URL;
  /** Every URL requested, in order. */
  visited: URL[];
  /** The redirect target that `stopWhen` matched, not requested. */
  stoppedAt?: URL;
}

/** A `<form>` found in a page. */
export interface HtmlForm {
  action: URL;
  method: 'GET' | 'POST';
  /** The successful controls and their values, in document order. */
  fields: Array<[name: string, value: string]>;
}

const DEFAULT_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The Sec-Fetch-Site value a browser sends for `target` reached through `chain` (the initiating
 * page and every URL redirected through): same-origin only if all share its origin; same-site if
 * all share its host (ports and schemes aside, as for loopback addresses); else cross-site.
 */
function fetchSite(chain: URL[], target: URL): string {
  if (chain.every((u) => u.origin === target.origin)) return 'same-origin';
  if (chain.every((u) => u.hostname === target.hostname)) return 'same-site';
  return 'cross-site';
}

/**
 * A scripted browser with its own cookie jar.
 *
 * @example
 * const browser = new TestBrowser();
 * const { response, visited } = await browser.navigate(`${appUrl}/profile`);
 * const sid = browser.cookies(appUrl).get('sid');
 */
export class TestBrowser {
  #jar: CookieJar;

  readonly #enforceSameSite: boolean;

  /** `enforceSameSite`: cross-site requests (Sec-Fetch-Site) leave out SameSite cookies, as browsers do. */
  constructor(jar: CookieJar = new CookieJar(), options: { enforceSameSite?: boolean } = {}) {
    this.#jar = jar;
    this.#enforceSameSite = options.enforceSameSite ?? false;
  }

  /**
   * One request, no redirect following: sends the matching cookies and stores the Set-Cookie headers.
   *
   * @example
   * const res = await browser.request(`${appUrl}/logout`, { method: 'POST', body: new URLSearchParams({ csrf }) });
   * assert.equal(res.status, 303);
   */
  async request(url: string | URL, init: BrowserRequestInit = {}): Promise<BrowserResponse> {
    const target = new URL(url);
    const headers = new Headers({ accept: DEFAULT_ACCEPT });
    const crossSite = this.#enforceSameSite && init.headers?.['sec-fetch-site'] === 'cross-site';
    const cookie = this.#jar.header(target, crossSite ? { method: (init.method ?? 'GET').toUpperCase() } : undefined);
    if (cookie) headers.set('cookie', cookie);
    let body = init.body;
    if (body instanceof URLSearchParams) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = body.toString();
    }
    for (const [name, value] of Object.entries(init.headers ?? {})) headers.set(name, value);

    const res = await fetch(target, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    const setCookies = res.headers.getSetCookie();
    this.#jar.store(target, setCookies);
    return { status: res.status, headers: res.headers, body: await res.text(), url: target, setCookies };
  }

  /**
   * Requests `url` and follows redirects like a browser: Location is resolved against the current
   * URL; 303, and 301/302 after a POST, continue as GET without a body; 307/308 repeat the request.
   *
   * @example
   * const { stoppedAt } = await browser.navigate(`${appUrl}/login`, undefined, {
   *   stopWhen: (u) => u.pathname === '/callback',
   * });
   */
  async navigate(url: string | URL, init: BrowserRequestInit = {}, options: NavigateOptions = {}): Promise<NavigateResult> {
    const maxHops = options.maxHops ?? 20;
    let current = new URL(url);
    let request: BrowserRequestInit = { ...init, method: (init.method ?? 'GET').toUpperCase() };
    const visited: URL[] = [];
    // Like a browser: the first request is typed into the address bar ('none') unless the caller
    // says where it comes from; after redirects, the whole chain decides (Fetch Metadata).
    const initiator = init.headers?.['origin'];
    for (;;) {
      visited.push(current);
      const site = visited.length === 1
        ? init.headers?.['sec-fetch-site'] ?? (initiator === undefined ? 'none' : fetchSite([new URL(initiator)], current))
        : fetchSite(initiator === undefined ? visited.slice(0, -1) : [new URL(initiator), ...visited.slice(0, -1)], current);
      request = { ...request, headers: { ...request.headers, 'sec-fetch-site': site } };
      const response = await this.request(current, request);
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null) {
        return { response, url: current, visited };
      }
      const next = new URL(location, current);
      if (options.stopWhen?.(next)) return { response, url: current, visited, stoppedAt: next };
      if (visited.length > maxHops) {
        throw new Error(`more than ${maxHops} redirects: ${visited.map(String).join(' -> ')}`);
      }
      const toGet =
        (response.status === 303 && request.method !== 'HEAD') ||
        ((response.status === 301 || response.status === 302) && request.method === 'POST');
      if (toGet) request = { method: 'GET', headers: withoutContentHeaders(request.headers) };
      current = next;
    }
  }

  /**
   * Submits a form of `page` (the first, or the one `options.form` picks) with its fields, `values`
   * overriding or adding fields, then navigates from the response. POST forms send
   * application/x-www-form-urlencoded with an Origin header, as browsers do; GET forms replace the query.
   *
   * @example
   * const login = await browser.navigate(`${appUrl}/login`);
   * const done = await browser.submitForm(login.response, { login: 'alice', password: 'x' });
   */
  async submitForm(
    page: { url: URL; body: string },
    values: Record<string, string>,
    options: SubmitFormOptions = {},
  ): Promise<NavigateResult> {
    const forms = parseForms(page.body, page.url);
    const form = options.form ? forms.find((f) => options.form!(f.action)) : forms[0];
    if (!form) throw new Error(`no matching <form> in the page at ${page.url.href}`);

    const data = new URLSearchParams(form.fields.filter(([name]) => !Object.hasOwn(values, name)));
    for (const [name, value] of Object.entries(values)) data.append(name, value);

    if (form.method === 'GET') {
      const target = new URL(form.action);
      target.search = data.toString();
      return this.navigate(target, { headers: { ...options.headers } }, options);
    }
    return this.navigate(form.action, { method: 'POST', headers: { ...options.headers, origin: page.url.origin }, body: data }, options);
  }

  /**
   * The cookies that would be sent to `url` (name → value; the most specific path wins).
   *
   * @example
   * assert.ok(browser.cookies(appUrl).has('__Host-session'));
   */
  cookies(url: string | URL): Map<string, string> {
    const result = new Map<string, string>();
    for (const cookie of this.#jar.matching(url)) {
      if (!result.has(cookie.name)) result.set(cookie.name, cookie.value);
    }
    return result;
  }

  /**
   * Sets a session cookie for the host of `url` (default path '/'), e.g. to tamper with it.
   *
   * @example
   * browser.setCookie(appUrl, 'session', 'forged');
   */
  setCookie(url: string | URL, name: string, value: string, path = '/'): void {
    this.#jar.put(url, { name, value, path, secure: false, httpOnly: false });
  }

  /**
   * Deletes every cookie called `name` for the host of `url`.
   *
   * @example
   * browser.deleteCookie(appUrl, 'session');
   */
  deleteCookie(url: string | URL, name: string): void {
    this.#jar.delete(url, name);
  }

  /**
   * A browser with an independent copy of this one's cookies (e.g. a second tab that diverges).
   *
   * @example
   * const attacker = victim.clone();
   */
  clone(): TestBrowser {
    return new TestBrowser(this.#jar.clone(), { enforceSameSite: this.#enforceSameSite });
  }
}

/**
 * Drives a complete login through the dev provider: navigates from `startUrl` (e.g. the app's
 * `/login?returnTo=/profile` or a protected page), fills the provider's login form with `username` and
 * any password (and continues a consent page, should one appear), then follows the redirects back.
 * When the provider already has a session, no form appears and the navigation simply completes.
 *
 * @example
 * const { response, visited, stoppedAt } = await loginThroughProvider(browser, `${appUrl}/profile`, 'alice', {
 *   stopWhen: (u) => u.pathname === '/callback', // optional: intercept the callback to tamper with it
 * });
 */
export async function loginThroughProvider(
  browser: TestBrowser,
  startUrl: string | URL,
  username: string,
  options: { stopWhen?: (url: URL) => boolean } = {},
): Promise<NavigateResult> {
  let result = await browser.navigate(startUrl, {}, options);
  const visited = [...result.visited];
  // At most a login form then a consent form.
  for (let step = 0; step < 2 && !result.stoppedAt; step++) {
    const form = parseForms(result.response.body, result.url).find((f) => {
      const prompt = f.fields.find(([name]) => name === 'prompt')?.[1];
      return prompt === 'login' || prompt === 'consent';
    });
    if (!form) break;
    const isLogin = form.fields.some(([name, value]) => name === 'prompt' && value === 'login');
    const values: Record<string, string> = isLogin ? { login: username, password: 'any-password' } : {};
    result = await browser.submitForm(result.response, values, {
      ...options,
      form: (action) => action.href === form.action.href,
    });
    visited.push(...result.visited);
  }
  return { ...result, visited };
}

/**
 * Extracts the forms of an HTML page with a small regex-based parser (fine for simple generated
 * pages such as oidc-provider's): action resolved against `pageUrl`, method, and the fields a browser
 * would submit (named inputs except buttons and files, checked checkboxes/radios, textareas).
 *
 * @example
 * const [form] = parseForms(res.body, res.url);
 * assert.equal(form?.action.pathname, '/logout');
 */
export function parseForms(html: string, pageUrl: URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const [, attrText = '', inner = ''] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)) {
    const attrs = parseAttributes(attrText);
    const fields: HtmlForm['fields'] = [];
    const controls = /<input\b([^>]*)>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>/gi;
    for (const [, inputAttrs, textareaAttrs, content = ''] of inner.matchAll(controls)) {
      const control = parseAttributes(inputAttrs ?? textareaAttrs ?? '');
      const name = control.get('name');
      if (!name || control.has('disabled')) continue;
      if (inputAttrs === undefined) {
        fields.push([name, decodeEntities(content)]);
        continue;
      }
      const type = (control.get('type') ?? 'text').toLowerCase();
      if (['submit', 'button', 'image', 'reset', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !control.has('checked')) continue;
      fields.push([name, control.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')]);
    }
    forms.push({
      action: new URL(attrs.get('action') || pageUrl.href, pageUrl),
      method: attrs.get('method')?.toUpperCase() === 'GET' ? 'GET' : 'POST',
      fields,
    });
  }
  return forms;
}

/** Attribute name (lower-cased) → decoded value ('' for bare attributes). */
function parseAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const [, name = '', dq, sq, bare] of text.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attrs.set(name.toLowerCase(), decodeEntities(dq ?? sq ?? bare ?? ''));
  }
  return attrs;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity: string, code: string) => {
    if (code[0] === '#') {
      const point = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return point <= 0x10ffff ? String.fromCodePoint(point) : entity;
    }
    return NAMED_ENTITIES[code.toLowerCase()] ?? entity;
  });
}

function withoutContentHeaders(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !['content-type', 'content-length', 'origin'].includes(name.toLowerCase())),
  );
}
