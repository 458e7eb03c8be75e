// "1 epoch", "2 epochs": counts in messages read as English.

/** `count` and the noun, in the plural unless count is 1 (`plural` for irregular nouns). */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
