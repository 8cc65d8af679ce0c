/**
 * Splits a command line such as `node "/opt/my tools/main.js"` into words, the way a POSIX shell
 * does for plain words, single quotes, double quotes and backslashes (no expansion of any kind).
 * Pure.
 */
import { UsageError } from "./args";

export function splitWords(text: string, what = "--command"): string[] {
    const words: string[] = [];
    let word = "";
    let inWord = false;
    let quote: "'" | '"' | undefined;
    for (let i = 0; i < text.length; i++) {
        const c = text[i] as string;
        if (quote === "'") {
            if (c === "'") quote = undefined;
            else word += c;
            continue;
        }
        if (quote === '"') {
            if (c === '"') quote = undefined;
            else if (c === "\\" && i + 1 < text.length && /["\\$`]/.test(text[i + 1] as string)) word += text[++i];
            else word += c;
            continue;
        }
        if (/\s/.test(c)) {
            if (inWord) words.push(word);
            word = "";
            inWord = false;
        } else if (c === "'" || c === '"') {
            quote = c;
            inWord = true;
        } else if (c === "\\") {
            if (i + 1 < text.length) word += text[++i];
            inWord = true;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (quote !== undefined) throw new UsageError(`${what} has an unterminated ${quote} quote`);
    if (inWord) words.push(word);
    if (words.length === 0) throw new UsageError(`${what} must name a program`);
    return words;
}
