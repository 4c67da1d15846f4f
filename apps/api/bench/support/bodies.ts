// The request bodies the benches submit: realistic, different for every item, serialised once.

/** A realistic prompt of 100–160 characters, different for every item; `suffix` e.g. a `[sim:…]` tag. */
export function prompt(index: number, suffix = ''): string {
  const subjects = ['A cat playing piano', 'A lighthouse in a storm', 'A chef plating dessert'];
  const styles = ['in warm film grain', 'as a slow aerial shot', 'in soft studio light'];
  return (
    `${subjects[index % subjects.length]} ${styles[Math.floor(index / 3) % styles.length]}, ` +
    `scene ${index}, 8 seconds, smooth camera motion, natural colours, no text on screen` +
    suffix
  );
}

/** A `POST /video-batch` body of `items` items of one model, as JSON text. */
export function batchBody(
  items: number,
  options: { model: string; source: string; promptSuffix?: string },
): string {
  return JSON.stringify({
    items: Array.from({ length: items }, (_, i) => ({
      prompt: prompt(i, options.promptSuffix),
      model: options.model,
    })),
    metadata: { source: options.source },
  });
}
