import type { Locale, Translate } from '../i18n/translator.js';

// Server-rendered pages of the officials' console: small, readable at 360 px in Zalo's
// in-app browser and at 1280 on an office desktop. Every text comes from locales/, and
// every value is escaped where it is placed.

/** Text made safe for HTML, in an element or an attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** HTML already escaped or built from escaped parts. */
export interface Html {
  readonly html: string;
}

export const raw = (html: string): Html => ({ html });

/** A template whose values are escaped unless they are Html (or lists of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return { html: out };
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object' && 'html' in value) return String((value as Html).html);
  return escapeHtml(String(value));
}

export interface PageContext {
  locale: Locale;
  t: (key: string, vars?: Record<string, string>) => string;
  /** the signed-in official, shown in the header; absent on the sign-in pages */
  official?: { name: string; role: string; region: string; plansMeetings: boolean; operates?: boolean; audits?: boolean };
  csrfToken?: string;
  /** the path of the page, for the language switch */
  path: string;
  /** a one-line outcome of the last action ("Đã chấp nhận …") */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** a page whose parts refresh in place: without scripts, the whole page reloads this often (seconds) */
  liveEverySeconds?: number;
  /** a page whose forms save as the person goes (htmx); without scripts its buttons do the same */
  enhanced?: boolean;
}

export function pageContext(translate: Translate, locale: Locale, rest: Omit<PageContext, 'locale' | 't'>): PageContext {
  return { locale, t: (key, vars) => translate(locale, key, vars), ...rest };
}

/** A form that changes something: POST, with the session's CSRF token. */
export function postForm(ctx: PageContext, action: string, body: Html, options: { className?: string } = {}): Html {
  return html`<form method="post" action="${action}" class="${options.className ?? ''}"><input type="hidden" name="_csrf" value="${ctx.csrfToken ?? ''}">${body}</form>`;
}

function languageSwitch(ctx: PageContext): Html {
  const other: Locale = ctx.locale === 'vi' ? 'en' : 'vi';
  const separator = ctx.path.includes('?') ? '&' : '?';
  return html`<a class="lang" href="${ctx.path}${separator}lang=${other}" hreflang="${other}">${ctx.t(`console.language.${other}`)}</a>`;
}

export function layout(ctx: PageContext, title: string, body: Html): string {
  const nav = ctx.official
    ? html`<nav aria-label="${ctx.t('console.nav.label')}">
        <a href="/console">${ctx.t('console.nav.tasks')}</a>
        <a href="/console/ideas">${ctx.t('console.nav.ideas')}</a>
        <a href="/console/overview">${ctx.t('console.nav.overview')}</a>
        <a href="/console/certified">${ctx.t('console.nav.certified')}</a>
        <a href="/console/reminders">${ctx.t('console.nav.reminders')}</a>
        <a href="/console/unreachable">${ctx.t('console.nav.unreachable')}</a>
        ${ctx.official.operates ? html`<a href="/console/operations">${ctx.t('console.nav.operations')}</a>` : ''}
        ${ctx.official.audits ? html`<a href="/console/audit">${ctx.t('console.nav.audit')}</a>` : ''}
        ${ctx.official.plansMeetings ? html`<a href="/console/meetings">${ctx.t('console.nav.meetings')}</a><a href="/console/councils">${ctx.t('console.nav.councils')}</a>` : ''}
      </nav>
      <div class="who"><span>${ctx.official.name}</span> · <span>${ctx.official.role}</span> · <span>${ctx.official.region}</span>
        ${postForm(ctx, '/console/sign-out', html`<button type="submit" class="link">${ctx.t('console.signOut')}</button>`, { className: 'inline' })}
      </div>`
    : '';
  const flash = ctx.flash ? html`<p class="flash ${ctx.flash.kind}" role="status">${ctx.flash.text}</p>` : '';
  const page = html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${ctx.t('console.title')}</title>
<link rel="stylesheet" href="/assets/console.css">
${ctx.liveEverySeconds || ctx.enhanced ? html`<meta name="htmx-config" content='{"includeIndicatorCSS":false}'><script src="/console/assets/htmx.min.js" defer></script>` : ''}${ctx.liveEverySeconds ? html`<noscript><meta http-equiv="refresh" content="${String(ctx.liveEverySeconds)}"></noscript>` : ''}
</head>
<body>
<header><div class="bar"><a class="brand" href="/console">${ctx.t('console.title')}</a>${languageSwitch(ctx)}</div>${nav}</header>
<main><h1>${title}</h1>${flash}${body}</main>
</body>
</html>`;
  return page.html;
}
