// OLX course files (problem/*.xml, vertical/*.xml) as element trees, read by saxes (a strict,
// conforming XML parser): text and CDATA exactly as written, entities decoded, comments and
// processing instructions dropped, prefixed names kept as they are (no namespace processing).

import { SaxesParser } from 'saxes';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

/** A document that is not well-formed XML; the message starts with line:column. */
export class XmlError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'XmlError';
  }
}

/** HTML's entities that course authors write in OLX (XML itself predefines only five). */
const HTML_ENTITIES: Record<string, string> = { nbsp: '\u00a0' };

/** Parse a document; returns its root element. */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser();
  Object.assign(parser.ENTITIES, HTML_ENTITIES);
  const root: XmlElement = { name: '#document', attrs: {}, children: [] };
  const stack: XmlElement[] = [root];
  const top = (): XmlElement => stack[stack.length - 1]!;
  let failure: XmlError | undefined;
  parser.on('error', (e) => {
    failure ??= new XmlError(e.message, parser.position);
  });
  parser.on('opentag', (tag) => {
    const el: XmlElement = { name: tag.name, attrs: { ...(tag.attributes as Record<string, string>) }, children: [] };
    top().children.push(el);
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  const pushText = (t: string) => {
    if (stack.length === 1 || t.length === 0) return; // whitespace around the root element
    const children = top().children;
    const last = children[children.length - 1];
    if (typeof last === 'string') children[children.length - 1] = last + t;
    else children.push(t);
  };
  parser.on('text', pushText);
  parser.on('cdata', pushText);
  parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).close();
  if (failure) throw failure;
  const rootEl = root.children.find((c): c is XmlElement => typeof c !== 'string');
  if (!rootEl) throw new XmlError('1:0: no root element', 0);
  return rootEl;
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
