import { AdapterError } from './adapter-error';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 text (a leading BOM is dropped); invalid UTF-8 is bad input. */
export function decodeUtf8(bytes: Uint8Array, what = 'the text input'): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw AdapterError.unprocessable(`${what} is not valid UTF-8`, error);
  }
}
