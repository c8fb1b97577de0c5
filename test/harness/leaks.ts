/**
 * Registry of every sensitive value the harness creates (tokens, passwords, secret keys, private
 * keys), and a check that none of them appears in a response or a log line.
 */
const sensitive = new Map<string, string>();

export function trackSecret(label: string, value: string): string {
  if (value.length >= 8) {
    sensitive.set(value, label);
  }
  return value;
}

/** Labels of the tracked values found in the text (also checks each PEM's body lines). */
export function findLeaks(text: string): string[] {
  const found: string[] = [];
  for (const [value, label] of sensitive) {
    if (text.includes(value)) {
      found.push(label);
      continue;
    }
    if (value.includes('-----BEGIN')) {
      const lines = value.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
      if (lines.some((l) => text.includes(l))) {
        found.push(`${label} (PEM line)`);
      }
    } else if (value.split('.').length === 3) {
      // A JWT's signature alone is enough to be a leak worth failing on.
      const sig = value.split('.')[2];
      if (sig.length >= 20 && text.includes(sig)) {
        found.push(`${label} (signature)`);
      }
    }
  }
  return found;
}

export function trackedCount(): number {
  return sensitive.size;
}
