/** Escapes the characters Pango markup gives meaning to, so text is drawn literally. */
export function escapePangoMarkup(text: string): string {
  return text.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'));
}

/**
 * Text as Pango can lay it out: CRLF and CR become LF, and control characters other than
 * tab and newline (which Pango markup rejects or draws as boxes) are dropped.
 */
export function printableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}
