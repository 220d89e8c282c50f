// A small, lenient XML reader for OLX course files: elements, attributes, text, CDATA,
// comments, processing instructions and the predefined / numeric entities. No DTDs, no
// namespaces beyond keeping the prefixed name. Enough for problem/*.xml and vertical/*.xml.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export class XmlError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at offset ${offset})`);
    this.name = 'XmlError';
  }
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g, (m, ent: string) => {
    if (ent[0] === '#') {
      const cp = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED[ent] ?? m;
  });
}

const NAME_RE = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ATTR_RE = /\s*([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** Parse a document; returns its root element. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [] };
  const stack: XmlElement[] = [root];
  const top = (): XmlElement => stack[stack.length - 1]!;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      pushText(top(), decodeEntities(text.slice(i)));
      break;
    }
    if (lt > i) pushText(top(), decodeEntities(text.slice(i, lt)));
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw new XmlError('unterminated comment', i);
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) throw new XmlError('unterminated CDATA section', i);
      pushText(top(), text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) throw new XmlError('unterminated processing instruction', i);
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      const end = text.indexOf('>', i + 2);
      if (end < 0) throw new XmlError('unterminated declaration', i);
      i = end + 1;
    } else if (text.startsWith('</', i)) {
      NAME_RE.lastIndex = i + 2;
      const m = NAME_RE.exec(text);
      if (!m) throw new XmlError('bad end tag', i);
      const end = text.indexOf('>', NAME_RE.lastIndex);
      if (end < 0) throw new XmlError('unterminated end tag', i);
      const name = m[0];
      // Lenient: close up to the matching open element.
      let k = stack.length - 1;
      while (k > 0 && stack[k]!.name !== name) k--;
      if (k === 0) throw new XmlError(`end tag </${name}> without a start tag`, i);
      stack.length = k;
      i = end + 1;
    } else {
      NAME_RE.lastIndex = i + 1;
      const m = NAME_RE.exec(text);
      if (!m) throw new XmlError('bad start tag', i);
      const el: XmlElement = { name: m[0], attrs: {}, children: [] };
      let j = NAME_RE.lastIndex;
      for (;;) {
        ATTR_RE.lastIndex = j;
        const a = ATTR_RE.exec(text);
        if (!a) break;
        el.attrs[a[1]!] = decodeEntities(a[3] ?? a[4] ?? '');
        j = ATTR_RE.lastIndex;
      }
      while (j < text.length && /\s/.test(text[j]!)) j++;
      top().children.push(el);
      if (text.startsWith('/>', j)) {
        i = j + 2;
      } else if (text[j] === '>') {
        i = j + 1;
        stack.push(el);
        if (el.name === 'script' || el.name === 'style') {
          // Raw-ish content: read up to the matching end tag (entities and CDATA still honoured).
          const close = text.indexOf(`</${el.name}`, i);
          if (close < 0) throw new XmlError(`unterminated <${el.name}>`, lt);
          el.children.push(...rawContent(text.slice(i, close)));
          i = close;
        }
      } else {
        throw new XmlError(`malformed start tag <${el.name}>`, lt);
      }
    }
  }
  if (stack.length > 1) throw new XmlError(`unclosed element <${top().name}>`, text.length);
  const rootEl = root.children.find((c): c is XmlElement => typeof c !== 'string');
  if (!rootEl) throw new XmlError('no root element', 0);
  return rootEl;
}

function rawContent(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.indexOf('<![CDATA[', i);
    if (c < 0) {
      out.push(decodeEntities(s.slice(i)));
      break;
    }
    if (c > i) out.push(decodeEntities(s.slice(i, c)));
    const end = s.indexOf(']]>', c + 9);
    if (end < 0) throw new XmlError('unterminated CDATA section', c);
    out.push(s.slice(c + 9, end));
    i = end + 3;
  }
  return out.filter((t) => t.length > 0);
}

function pushText(el: XmlElement, t: string): void {
  if (t.length === 0) return;
  const last = el.children[el.children.length - 1];
  if (typeof last === 'string') el.children[el.children.length - 1] = last + t;
  else el.children.push(t);
}

/** Concatenated text of an element and its descendants. */
export function textContent(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textContent(c))).join('');
}

/** All descendant elements (document order) named `name`. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (typeof c === 'string') continue;
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}
