// markdown.ts: a small Markdown renderer that builds DOM nodes directly.
//
// It never parses HTML: every piece of text becomes a Text node, so markup in a model's answer
// (or in a lead's name) is shown as text and can never run. Links keep only http(s) and mailto
// targets; images are not rendered (their alt text is). What it understands: headings, paragraphs
// with hard line breaks, bullet and numbered lists (one level of nesting), block quotes, fenced
// code, horizontal rules, tables (as plain rows), and inline **bold**, *italic*, _italic_,
// ~~strike~~, `code` and [links](https://...).

type Doc = Document;

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

export function safeUrl(href: string): string | null {
  const h = href.trim();
  if (!SAFE_URL.test(h)) return null;
  try {
    const u = new URL(h);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null;
  }
}

// ---- inline --------------------------------------------------------------------------------------

const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|~~(?=\S)([\s\S]*?\S)~~|\*(?=[^\s*])([\s\S]*?[^\s*])\*(?!\*)|(?<![A-Za-z0-9])_(?=[^\s_])([\s\S]*?[^\s_])_(?![A-Za-z0-9])|(!?)\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/;

export function inline(doc: Doc, text: string, parent: Node, depth = 0): void {
  while (text) {
    const m = depth > 8 ? null : INLINE.exec(text);
    if (!m) {
      parent.appendChild(doc.createTextNode(text));
      return;
    }
    if (m.index > 0) parent.appendChild(doc.createTextNode(text.slice(0, m.index)));
    text = text.slice(m.index + m[0].length);
    if (m[1]) {
      const code = doc.createElement('code');
      code.textContent = m[2].replace(/^ (.*) $/, '$1');
      parent.appendChild(code);
    } else if (m[3] !== undefined || m[4] !== undefined) {
      const b = doc.createElement('strong');
      inline(doc, m[3] ?? m[4], b, depth + 1);
      parent.appendChild(b);
    } else if (m[5] !== undefined) {
      const s = doc.createElement('del');
      inline(doc, m[5], s, depth + 1);
      parent.appendChild(s);
    } else if (m[6] !== undefined || m[7] !== undefined) {
      const i = doc.createElement('em');
      inline(doc, m[6] ?? m[7], i, depth + 1);
      parent.appendChild(i);
    } else {
      const isImage = m[8] === '!';
      const label = m[9];
      const href = safeUrl(m[10] ?? '');
      if (isImage || !href) {
        // Images are never loaded (no tracking pixels, no CSP surprises); unsafe links become text.
        inline(doc, isImage ? (label ? `[image: ${label}]` : '') : label, parent, depth + 1);
      } else {
        const a = doc.createElement('a');
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer nofollow';
        inline(doc, label || href, a, depth + 1);
        parent.appendChild(a);
      }
    }
  }
}

// ---- blocks --------------------------------------------------------------------------------------

const BULLET = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const FENCE = /^\s{0,3}(```+|~~~+)\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

function paragraph(doc: Doc, lines: string[], parent: Node): void {
  const p = doc.createElement('p');
  lines.forEach((l, i) => {
    if (i) p.appendChild(doc.createElement('br'));
    inline(doc, l.trim(), p);
  });
  parent.appendChild(p);
}

export function renderBlocks(doc: Doc, source: string, parent: Node, depth = 0): void {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let para: string[] = [];
  const flush = () => {
    if (para.length) paragraph(doc, para, parent);
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    let m: RegExpExecArray | null;
    if (!line.trim()) {
      flush();
      i++;
    } else if ((m = FENCE.exec(line))) {
      flush();
      const fence = m[1];
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++;
      const pre = doc.createElement('pre');
      const code = doc.createElement('code');
      code.textContent = body.join('\n');
      pre.appendChild(code);
      parent.appendChild(pre);
    } else if ((m = HEADING.exec(line))) {
      flush();
      // Headings inside an answer sit below the panel's own h2.
      const h = doc.createElement(`h${Math.min(6, m[1].length + 2)}`);
      inline(doc, m[2], h);
      parent.appendChild(h);
      i++;
    } else if (RULE.test(line)) {
      flush();
      parent.appendChild(doc.createElement('hr'));
      i++;
    } else if (QUOTE.test(line)) {
      flush();
      const inner: string[] = [];
      while (i < lines.length && (m = QUOTE.exec(lines[i]))) {
        inner.push(m[1]);
        i++;
      }
      const q = doc.createElement('blockquote');
      if (depth < 4) renderBlocks(doc, inner.join('\n'), q, depth + 1);
      else q.textContent = inner.join('\n');
      parent.appendChild(q);
    } else if ((m = BULLET.exec(line)) && (!para.length || m[1].length === 0)) {
      flush();
      i = list(doc, lines, i, parent, depth);
    } else if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1])) {
      flush();
      i = table(doc, lines, i, parent);
    } else {
      para.push(line);
      i++;
    }
  }
  flush();
}

function list(doc: Doc, lines: string[], i: number, parent: Node, depth: number): number {
  const first = BULLET.exec(lines[i])!;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const el = doc.createElement(ordered ? 'ol' : 'ul');
  if (ordered) {
    const start = parseInt(first[2], 10);
    if (start !== 1) el.setAttribute('start', String(start));
  }
  let item: HTMLLIElement | null = null;
  let itemLines: string[] = [];
  const close = () => {
    if (item) {
      const blocks = itemLines.join('\n');
      // A tight item is plain inline text; a nested list or several paragraphs render as blocks.
      if (!/\n\s*\n/.test(blocks) && !itemLines.slice(1).some((l) => BULLET.test(l))) {
        itemLines.forEach((l, k) => {
          if (k) item!.appendChild(doc.createElement('br'));
          inline(doc, l.trim(), item!);
        });
      } else if (depth < 4) renderBlocks(doc, blocks, item, depth + 1);
      else item.textContent = blocks;
      el.appendChild(item);
    }
  };
  while (i < lines.length) {
    const line = lines[i];
    const m = BULLET.exec(line);
    if (m && m[1].length === indent && /\d/.test(m[2]) === ordered) {
      close();
      item = doc.createElement('li');
      itemLines = [m[3]];
      i++;
    } else if (m && m[1].length === indent) {
      break;  // the other kind of list starts
    } else if (line.trim() && (/^\s/.test(line) && line.search(/\S/) > indent)) {
      itemLines.push(line.slice(Math.min(line.search(/\S/), indent + 4)));
      i++;
    } else if (!line.trim() && i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]) && lines[i + 1].search(/\S/) > indent) {
      itemLines.push('');
      i++;
    } else if (line.trim() && !m && itemLines.length && !FENCE.test(line) && !HEADING.test(line) && !QUOTE.test(line) &&
               lines[i - 1].trim()) {
      itemLines.push(line.trim());  // a lazy continuation line
      i++;
    } else break;
  }
  close();
  parent.appendChild(el);
  return i;
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

function table(doc: Doc, lines: string[], i: number, parent: Node): number {
  const t = doc.createElement('table');
  const head = doc.createElement('tr');
  for (const c of cells(lines[i])) {
    const th = doc.createElement('th');
    th.scope = 'col';
    inline(doc, c, th);
    head.appendChild(th);
  }
  const thead = doc.createElement('thead');
  thead.appendChild(head);
  t.appendChild(thead);
  const tbody = doc.createElement('tbody');
  i += 2;
  while (i < lines.length && lines[i].includes('|') && lines[i].trim()) {
    const tr = doc.createElement('tr');
    for (const c of cells(lines[i])) {
      const td = doc.createElement('td');
      inline(doc, c, td);
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
    i++;
  }
  t.appendChild(tbody);
  const wrap = doc.createElement('div');
  wrap.className = 'table';
  wrap.appendChild(t);
  parent.appendChild(wrap);
  return i;
}

/** Renders Markdown into a fresh fragment. */
export function renderMarkdown(doc: Doc, source: string): DocumentFragment {
  const frag = doc.createDocumentFragment();
  renderBlocks(doc, source, frag);
  return frag;
}

/** Plain text of Markdown, for screen-reader announcements. */
export function plainText(source: string): string {
  return source
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/[*_~`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
