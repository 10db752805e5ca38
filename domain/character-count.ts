/**
 * Characters as JSON Schema's maxLength and MySQL's VARCHAR count them: code points, where String.length
 * counts UTF-16 units (an emoji is one character and two units), so a limit checked with .length refuses
 * text the document and the columns accept.
 */
export function characterCount(text: string): number {
  return Array.from(text).length;
}
