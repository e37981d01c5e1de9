// Error codes: every code the C++ sources raise is in the proxy's registry
// (server-proxy/src/error_codes.cpp, printed by `porchlight-proxy errors`), and the registry is
// what docs/api/openapi.yaml documents under components.schemas.ErrorCode, row for row.
//
// How the sources make codes (and so what the scan reads), after comments are taken out:
//   ApiError::from_code(CODE, …)     the proxy's errors
//   Error{CODE, …}                    the core's, the store's, the upstream client's
//   errors.push_back({CODE, …})       an Error built in place (in a vector named errors)
//   print_errors({{CODE, …}})         the command line's
//   send_error(ws, CODE, …)           WebSocket error frames
//   {"code", CODE}                    error objects written by hand (SSE error events)
//   code = … "x" … ;                  a code chosen into a variable
//   code == "x", code.starts_with(…)  codes compared against (a typo there is a bug too)
//   FieldReader r(json, "kind", …)    generates "<kind>.missing_<key>", "<kind>.invalid_<key>",
//                                     "<kind>.unknown_field", and "<kind>.<problem>" for r.add()
// CODE is a literal ("auth.invalid_key"), a literal and more ("limits." + bucket: a family, which
// the registry must hold as "limits.*"), or a value passed on from one of the sites above.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { proxyBin, root } from './harness.mjs';

const SOURCES = ['server-proxy/src', 'server-proxy/main.cpp', 'core/src', 'core/include'];

function cppFiles(path) {
  const full = join(root, path);
  try {
    return readdirSync(full, { withFileTypes: true }).flatMap((d) => cppFiles(join(path, d.name)));
  } catch {
    return /\.(cpp|hpp)$/.test(path) ? [full] : [];
  }
}

// The text with comments blanked (strings, raw strings, char literals and digit separators kept).
function withoutComments(text) {
  let out = '';
  for (let i = 0; i < text.length;) {
    const c = text[i], next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2), end = close < 0 ? text.length : close + 2;
      out += ` ${text.slice(i, end).replace(/[^\n]/g, '')}`;  // its line breaks, for line numbers
      i = end;
    } else if (c === 'R' && next === '"' && !/\w/.test(text[i - 1] ?? '')) {
      const open = text.indexOf('(', i);
      const close = text.indexOf(`)${text.slice(i + 2, open)}"`, open);
      const end = close + open - i;  // ")delim\""
      out += text.slice(i, end);
      i = end;
    } else if (c === '"' || (c === "'" && !/[0-9A-Fa-f]/.test(text[i - 1] ?? ''))) {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// The expression that starts at `from`, up to the first comma or closing bracket outside brackets.
function argumentAt(text, from) {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i += text[i] === '\\' ? 2 : 1);
    } else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return text.slice(from, i).trim();
      depth--;
    } else if ((c === ',' || c === ';') && depth === 0) return text.slice(from, i).trim();
  }
  return text.slice(from).trim();
}

const LITERAL = /^"((?:[^"\\]|\\.)*)"$/;
const LEADING_LITERAL = /^"((?:[^"\\]|\\.)*)"\s*\+/;
const CODE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const PREFIX = /^[a-z][a-z0-9_]*(\.[a-z0-9_]*)*[._]$/;

// Every code the sources raise or compare against, as { code, how, where }: how is "exact" for a
// literal code, "family" for codes made at run time ("limits.*" from "limits." + bucket, "profile.*"
// from a FieldReader of kind "profile"), "prefix" for a literal prefix that codes are compared with.
function raisedCodes() {
  const found = [];
  const problems = [];
  for (const file of SOURCES.flatMap(cppFiles)) {
    const text = withoutComments(readFileSync(file, 'utf8'));
    const lineOf = (index) => `${relative(root, file)}:${text.slice(0, index).split('\n').length}`;
    const take = (expr, index, { strict }) => {
      const where = lineOf(index);
      const literal = expr.match(LITERAL), leading = expr.match(LEADING_LITERAL);
      if (literal && CODE.test(literal[1])) found.push({ code: literal[1], how: 'exact', where });
      else if (leading && PREFIX.test(leading[1])) found.push({ code: `${leading[1]}*`, how: 'family', where });
      else if (strict && (literal || leading)) problems.push(`${where}: ${expr} is not a code (lowercase words joined by dots)`);
      // Anything else passes on a code made elsewhere (r.error->code, errors.front().code, kind_ + …).
    };
    const each = (re, options) => {
      for (const m of text.matchAll(re)) take(argumentAt(text, m.index + m[0].length), m.index, options);
    };
    each(/\bfrom_code\(/g, { strict: true });
    each(/\bError\{/g, { strict: true });
    each(/\berrors_?\.push_back\(\{/g, { strict: true });
    each(/\bprint_errors\(\{\{/g, { strict: true });
    each(/\bsend_error\(\s*\w+\s*,\s*/g, { strict: true });
    each(/\{\s*"code"\s*,\s*/g, { strict: true });
    // Not strict: a SQLSTATE is a `code` too ("42P01"), and so is a literal that is not ours.
    for (const m of text.matchAll(/\bcode\s*=(?!=)([^;]*);/g))
      for (const s of m[1].matchAll(/"(?:[^"\\]|\\.)*"/g)) take(s[0], m.index, { strict: false });
    for (const m of text.matchAll(/\bcode\s*[!=]=\s*("(?:[^"\\]|\\.)*")/g)) take(m[1], m.index, { strict: false });
    for (const m of text.matchAll(/\bcode\.starts_with\("((?:[^"\\]|\\.)*)"\)/g))
      found.push({ code: m[1], how: 'prefix', where: lineOf(m.index) });
    // json_input's FieldReader (a file with a FieldReader class of its own means that one).
    if (/\b(struct|class)\s+FieldReader\s*\{/.test(text) && !file.endsWith('json_input.hpp')) continue;
    for (const m of text.matchAll(/\bFieldReader\s+\w+\s*[({]/g)) {
      const object = m.index + m[0].length;
      const kind = argumentAt(text, object + argumentAt(text, object).length + 1).match(LITERAL);
      if (kind && /^[a-z][a-z0-9_]*$/.test(kind[1])) found.push({ code: `${kind[1]}.*`, how: 'family', where: lineOf(m.index) });
      else problems.push(`${lineOf(m.index)}: a FieldReader's kind must be a literal word, so that its codes can be found`);
    }
  }
  return { found, problems };
}

// The rows of components.schemas.ErrorCode in docs/api/openapi.yaml, one flow mapping a line.
function documentedCodes() {
  const rows = [];
  let inside = false;
  for (const line of readFileSync(join(root, 'docs/api/openapi.yaml'), 'utf8').split('\n')) {
    if (/^ {4}ErrorCode:\s*$/.test(line)) { inside = true; continue; }
    if (inside && /^ {0,4}\S/.test(line)) break;
    const m = inside && line.match(
      /^ {8}- \{ (const|pattern): ("[^"]*"|[^,]+), x-status: (\d+), x-type: (\w+), x-retryable: (true|false), description: "([^"]*)" \}$/);
    if (!m) continue;
    const code = m[1] === 'const' ? m[2] : `${m[2].slice(2, -3).replaceAll('\\\\.', '.')}*`;  // "^profile\\..+" → profile.*
    rows.push({ code, status: Number(m[3]), type: m[4], retryable: m[5] === 'true', meaning: m[6] });
  }
  return rows;
}

// The registry's rows as the docs write them (what to paste when a row is new or changed).
function asYaml({ code, status, type, retryable, meaning }) {
  const match = code.endsWith('*') ? `pattern: "^${code.slice(0, -1).replaceAll('.', '\\\\.')}.+"` : `const: ${code}`;
  return `        - { ${match}, x-status: ${status}, x-type: ${type}, x-retryable: ${retryable}, description: "${meaning}" }`;
}

const registry = JSON.parse(execFileSync(proxyBin, ['errors'], { encoding: 'utf8' }));

test('every code the sources raise is in the registry, and every registered code is raised', () => {
  const { found, problems } = raisedCodes();
  assert.deepEqual(problems, [], 'code sites the scan cannot read');
  assert.ok(found.length >= 100, `found ${found.length} code sites`);
  const exact = new Set(registry.filter((r) => !r.code.endsWith('*')).map((r) => r.code));
  const families = new Set(registry.filter((r) => r.code.endsWith('*')).map((r) => r.code));
  const missing = found.filter(({ code, how }) =>
    how === 'exact' ? !exact.has(code) : how === 'family' ? !families.has(code) : !registry.some((r) => r.code.startsWith(code)));
  assert.deepEqual(missing.map(({ code, where }) => `${code} (${where})`), [],
    'raised but not in server-proxy/src/error_codes.cpp (families as "prefix*")');
  const raised = new Set(found.filter((f) => f.how !== 'prefix').map((f) => f.code));
  assert.deepEqual(registry.filter((r) => !raised.has(r.code)).map((r) => r.code), [], 'registered but raised nowhere');
});

test('docs/api/openapi.yaml documents the registry, row for row', () => {
  const docs = documentedCodes();
  assert.ok(docs.length > 0, 'read components.schemas.ErrorCode from openapi.yaml');
  const documented = new Set(docs.map(asYaml)), registered = new Set(registry.map(asYaml));
  assert.deepEqual(registry.map(asYaml).filter((row) => !documented.has(row)), [],
    'rows that components.schemas.ErrorCode.anyOf lacks or writes otherwise');
  assert.deepEqual(docs.map(asYaml).filter((row) => !registered.has(row)), [], 'documented rows the registry lacks');
  assert.deepEqual(docs.map((d) => d.code), registry.map((r) => r.code), "the docs follow the registry's order");
});
